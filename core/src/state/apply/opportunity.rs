//! The fold of the opportunity events: creation, updates, the checklist, moves.

use crate::event::{opportunity_stream, Event, MoveKind, RecordedEvent, OPPORTUNITY_STREAM_PREFIX};
use crate::id::{OpportunityId, StageId};
use crate::money::Money;
use crate::opportunity::{
    Competitor, CompetitorStatus, NewOpportunity, Opportunity, OpportunityPatch, Status,
};
use crate::pipeline::{LOST, WON};
use crate::state::{shared_id, State};

impl State {
    pub(super) fn apply_opportunity(&mut self, rec: &RecordedEvent) {
        match &rec.event {
            Event::OpportunityCreated { opportunity } => self.opportunity_created(rec, opportunity),
            Event::OpportunityUpdated {
                opportunity,
                patch,
                amount,
            } => self.opportunity_updated(opportunity, patch, amount),
            Event::ChecklistChanged {
                opportunity,
                item,
                ticked,
            } => {
                if let Some(o) = self.opportunities.get_mut(opportunity) {
                    if *ticked {
                        o.checklist.insert(item);
                    } else {
                        o.checklist.remove(item);
                    }
                }
            }
            Event::Moved {
                opportunity,
                from,
                to,
                how,
                reason,
                competitor,
            } => {
                self.moved(rec, opportunity, from, to, *how, reason, competitor);
                // The version is set there: skip the generic lookup below (the hottest path).
                return;
            }
            _ => return, // folded by another aggregate
        }
        self.set_opportunity_version(rec);
    }

    /// A new opportunity, its record sharing the state's copies of its ids.
    fn opportunity_created(&mut self, rec: &RecordedEvent, n: &NewOpportunity) {
        let at = rec.at;
        // The pipeline, owner and first stage share the state's own copies of their
        // ids: every later command compares them, and those copies are in cache.
        let (pipeline, current) = match self.pipelines.get_key_value(&n.pipeline) {
            Some((id, versions)) => (id.clone(), versions.last()),
            None => (n.pipeline.clone(), None),
        };
        let version = current.map_or(0, |p| p.version);
        let stage = match (&n.stage, current) {
            (Some(s), Some(p)) => p.stage(s).map_or_else(|| s.clone(), |st| st.id.clone()),
            (Some(s), None) => s.clone(),
            (None, _) => StageId::new(""),
        };
        let opportunity = Opportunity {
            id: n.id.clone(),
            pipeline,
            customer: self.shared_customer(&n.customer),
            owner: shared_id(&self.users, &n.owner),
            name: n.name.clone(),
            amount: n.amount,
            amount_from_products: n.amount_from_products,
            expected_close: n.expected_close,
            close_date_pushes: 0,
            source: n.source.clone(),
            products: n.products.clone(),
            competitors: n.competitors.clone(),
            contacts: n.contacts.clone(),
            fields: n.fields.clone(),
            checklist: crate::opportunity::Checklist::new(),
            stage,
            stage_entered_at: at,
            status: Status::Open,
            closed_at: None,
            created_at: at,
            approvals: Vec::new(),
            version: 0,
            forecast_category: n.forecast_category,
        };
        let stream = if rec.stream.strip_prefix(OPPORTUNITY_STREAM_PREFIX) == Some(n.id.as_str()) {
            rec.stream.clone()
        } else {
            // Only a hand-edited store puts a creation elsewhere.
            opportunity_stream(&n.id).into()
        };
        self.opportunities
            .create(opportunity, &rec.actor, version, stream);
    }

    fn opportunity_updated(
        &mut self,
        opportunity: &OpportunityId,
        patch: &OpportunityPatch,
        amount: &Money,
    ) {
        if let Some(o) = self.opportunities.get_mut(opportunity) {
            if let Some(v) = &patch.name {
                o.name.clone_from(v);
            }
            if let Some(v) = &patch.owner {
                o.owner = shared_id(&self.users, v);
            }
            if let Some(v) = patch.amount_from_products {
                o.amount_from_products = v;
            }
            if let Some(v) = patch.expected_close {
                if let (Some(old), Some(new)) = (o.expected_close, v) {
                    if new > old {
                        o.close_date_pushes += 1;
                    }
                }
                o.expected_close = v;
            }
            if let Some(v) = &patch.source {
                o.source.clone_from(v);
            }
            if let Some(v) = &patch.products {
                o.products.clone_from(v);
            }
            if let Some(v) = &patch.competitors {
                o.competitors.clone_from(v);
            }
            if let Some(v) = &patch.contacts {
                o.contacts.clone_from(v);
            }
            for (k, v) in &patch.fields {
                match v {
                    Some(v) => o.fields.insert(k.clone(), v.clone()),
                    None => o.fields.remove(k),
                };
            }
            if let Some(v) = patch.forecast_category {
                o.forecast_category = v;
            }
            o.amount = *amount;
        }
    }

    /// A stage change, with the opportunity's version: the one lookup of the hottest path.
    #[allow(clippy::too_many_arguments)]
    fn moved(
        &mut self,
        rec: &RecordedEvent,
        opportunity: &OpportunityId,
        from: &StageId,
        to: &StageId,
        how: MoveKind,
        reason: &Option<String>,
        competitor: &Option<String>,
    ) {
        let at = rec.at;
        let Some((r, names)) = self
            .opportunities
            .record_mut_with_names(opportunity.as_str())
        else {
            return;
        };
        let o = &mut r.opportunity;
        match to.as_str() {
            WON => {
                o.status = Status::Won;
                o.closed_at = Some(at);
            }
            LOST => {
                o.status = Status::Lost {
                    reason: reason.clone().unwrap_or_default(),
                    competitor: competitor.clone(),
                };
                o.closed_at = Some(at);
                if let Some(name) = competitor {
                    match o.competitors.iter_mut().find(|c| &c.name == name) {
                        Some(c) => c.status = CompetitorStatus::Won,
                        None => o.competitors.push(Competitor {
                            status: CompetitorStatus::Won,
                            ..Competitor::new(name.clone())
                        }),
                    }
                }
            }
            _ => {
                o.status = Status::Open;
                o.closed_at = None;
                o.stage = to.clone();
                o.stage_entered_at = at;
            }
        }
        o.version = rec.version;
        r.push_step(
            names,
            at,
            &rec.actor,
            from,
            to,
            how.into(),
            reason.clone(),
            competitor.clone(),
        );
    }
}
