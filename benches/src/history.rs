//! Realistic events, built without a clock or randomness so that every run measures the
//! same work.

use salespipe::event::opportunity_stream;
use salespipe::{
    Activity, Event, Money, MoveKind, NewEvent, NewOpportunity, OpportunityId, ProductLine, Task,
    Timestamp,
};

/// Events in one opportunity's history (see [`opportunity_history`]).
pub const EVENTS_PER_OPPORTUNITY: usize = 11;

/// The stages an opportunity walks through.
const STAGES: [&str; 4] = ["qualify", "demo", "quote", "contract"];

/// The life of opportunity `n` as one stream: created (with products), three checklist
/// ticks, three stage moves, two activities, a task and its completion. Returns the stream
/// and its events, oldest first; `at` is the first event's time.
pub fn opportunity_history(n: u64, at: Timestamp) -> salespipe::Result<(String, Vec<NewEvent>)> {
    let id = OpportunityId::new(format!("opp-{n}"));
    let customer = format!("cust-{}", n % 997);
    let owner = ["wang", "li", "zhang", "chen"][(n % 4) as usize];
    let currency = salespipe::Currency::new("CNY")?;
    let cny = |minor: i64| Money::from_minor(minor, currency);
    let mut opp = NewOpportunity::new(
        id.clone(),
        "sales",
        customer.as_str(),
        owner,
        format!("{customer} ERP rollout"),
        cny(12_000_000 + n as i64),
    );
    opp.stage = Some(STAGES[0].into());
    opp.source = Some("trade show".into());
    opp.products = vec![ProductLine::new("ERP seat", 40, cny(300_000)).discount_bp(500)];
    let mut events = vec![Event::OpportunityCreated {
        opportunity: Box::new(opp),
    }];
    for item in ["budget confirmed", "decision maker met", "timeline agreed"] {
        events.push(Event::ChecklistChanged {
            opportunity: id.clone(),
            item: item.into(),
            ticked: true,
        });
    }
    for w in STAGES.windows(2) {
        events.push(Event::Moved {
            opportunity: id.clone(),
            from: w[0].into(),
            to: w[1].into(),
            how: MoveKind::Simple,
            reason: None,
            competitor: None,
        });
    }
    for (i, kind) in ["call", "demo"].iter().enumerate() {
        events.push(Event::ActivityLogged {
            activity: Box::new(
                Activity::new(
                    format!("act-{n}-{i}"),
                    *kind,
                    customer.as_str(),
                    at.plus_millis(i as i64 * 60_000),
                )
                .on_opportunity(id.clone())
                .notes("discussed pricing and the rollout plan"),
            ),
        });
    }
    let task = format!("task-{n}");
    events.push(Event::TaskCreated {
        task: Box::new(
            Task::new(
                task.as_str(),
                "send the revised quote",
                owner,
                at.plus_millis(86_400_000),
            )
            .on_opportunity(id.clone()),
        ),
    });
    events.push(Event::TaskDone {
        task: task.into(),
        done: true,
    });
    debug_assert_eq!(events.len(), EVENTS_PER_OPPORTUNITY);
    let events = events
        .into_iter()
        .enumerate()
        .map(|(i, event)| NewEvent {
            at: at.plus_millis(i as i64 * 1000),
            actor: owner.into(),
            event,
        })
        .collect();
    Ok((opportunity_stream(&id), events))
}

/// The JSON the store keeps for an event (for the raw baseline, which inserts the same rows).
pub fn event_json(event: &Event) -> String {
    serde_json::to_string(event).unwrap_or_default()
}
