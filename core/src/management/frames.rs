//! The management reports as [`Frame`]s (units: see [`crate::frame`]).
//!
//! Each report's main frame has one row per thing it counts (a rep's day, a scope, a source,
//! a competitor, a customer…); money the report keeps per currency comes as a second frame
//! with one row per (thing, currency), so that no count is repeated on several rows.

use std::collections::BTreeMap;

use super::competitor::CompetitorReport;
use super::daily::{DailyFigures, DailyReport, RangeReport, TeamDailyReport};
use super::expense::{ExpenseReport, ExpenseTotals};
use super::source::SourceReport;
use super::target::AttainmentReport;
use crate::frame::{count, days, epoch_days, Frame};

/// The rows of per-currency figures: `(row index, currency)` for every currency code
/// `codes(i)` gives for row `i` (the keys of its maps, whatever their values), each once, in
/// currency order.
fn currency_rows<'a, I: Iterator<Item = &'a String>>(
    n: usize,
    codes: impl Fn(usize) -> I,
) -> Vec<(usize, &'a str)> {
    let mut rows = Vec::new();
    for i in 0..n {
        let mut row: Vec<&str> = codes(i).map(String::as_str).collect();
        row.sort_unstable();
        row.dedup();
        rows.extend(row.into_iter().map(|c| (i, c)));
    }
    rows
}

fn minor(m: &BTreeMap<String, i64>, currency: &str) -> Option<i64> {
    Some(m.get(currency).copied().unwrap_or(0))
}

fn ratio(m: &BTreeMap<String, f64>, currency: &str) -> Option<f64> {
    m.get(currency).copied()
}

fn text(s: impl ToString) -> Option<String> {
    Some(s.to_string())
}

// ----- daily ---------------------------------------------------------------------------

/// The counts of rep days: `rep`, `day`, `new_customers`, `new_contacts`,
/// `new_opportunities`, `advances`, `moves_back`, `won`, `lost`, `activities` (all kinds),
/// `tasks_completed`, `tasks_overdue`, `follow_ups_next_day`.
fn daily_counts(days: &[&DailyReport]) -> Frame {
    let mut f = Frame::default();
    f.text("rep", days.iter().map(|d| text(&d.rep)));
    f.date("day", days.iter().map(|d| epoch_days(d.day)));
    f.int(
        "new_customers",
        days.iter().map(|d| count(d.figures.new_customers)),
    );
    f.int(
        "new_contacts",
        days.iter().map(|d| count(d.figures.new_contacts)),
    );
    f.int(
        "new_opportunities",
        days.iter().map(|d| count(d.figures.new_opportunities)),
    );
    f.int("advances", days.iter().map(|d| count(d.figures.advances)));
    f.int(
        "moves_back",
        days.iter().map(|d| count(d.figures.moves_back)),
    );
    f.int("won", days.iter().map(|d| count(d.figures.won)));
    f.int("lost", days.iter().map(|d| count(d.figures.lost)));
    f.int(
        "activities",
        days.iter()
            .map(|d| count(d.figures.activities.values().sum())),
    );
    f.int(
        "tasks_completed",
        days.iter().map(|d| count(d.figures.tasks_completed)),
    );
    f.int(
        "tasks_overdue",
        days.iter().map(|d| count(d.figures.tasks_overdue)),
    );
    f.int(
        "follow_ups_next_day",
        days.iter().map(|d| count(d.figures.follow_ups_next_day)),
    );
    f
}

/// The money of rep days, one row per (rep, day, currency): `rep`, `day`, `currency`,
/// `new_opportunity_amount`, `won_amount`, `lost_amount` (minor units), `weighted_before`,
/// `weighted_after`, `weighted_change` (minor units).
fn daily_amounts(days: &[&DailyReport]) -> Frame {
    let all = currency_rows(days.len(), |i| {
        let g = &days[i].figures;
        let amounts = [&g.new_opportunity_amount, &g.won_amount, &g.lost_amount];
        let weighted = [&g.weighted_before, &g.weighted_after, &g.weighted_change];
        amounts
            .into_iter()
            .flat_map(BTreeMap::keys)
            .chain(weighted.into_iter().flat_map(BTreeMap::keys))
    });
    let g = |i: usize| &days[i].figures;
    let mut f = Frame::default();
    f.text("rep", all.iter().map(|&(i, _)| text(&days[i].rep)));
    f.date("day", all.iter().map(|&(i, _)| epoch_days(days[i].day)));
    f.text("currency", all.iter().map(|&(_, c)| text(c)));
    f.int(
        "new_opportunity_amount",
        all.iter()
            .map(|&(i, c)| minor(&g(i).new_opportunity_amount, c)),
    );
    f.int(
        "won_amount",
        all.iter().map(|&(i, c)| minor(&g(i).won_amount, c)),
    );
    f.int(
        "lost_amount",
        all.iter().map(|&(i, c)| minor(&g(i).lost_amount, c)),
    );
    type Weighted = fn(&DailyFigures) -> &BTreeMap<String, f64>;
    let weighted: [(&'static str, Weighted); 3] = [
        ("weighted_before", |g| &g.weighted_before),
        ("weighted_after", |g| &g.weighted_after),
        ("weighted_change", |g| &g.weighted_change),
    ];
    for (name, map) in weighted {
        f.float(
            name,
            all.iter()
                .map(|&(i, c)| Some(map(g(i)).get(c).copied().unwrap_or(0.0))),
        );
    }
    f
}

/// The activities of rep days by kind: `rep`, `day`, `kind`, `count`.
fn daily_activities(days: &[&DailyReport]) -> Frame {
    let rows: Vec<(&DailyReport, &String, u64)> = days
        .iter()
        .flat_map(|d| d.figures.activities.iter().map(move |(k, n)| (*d, k, *n)))
        .collect();
    let mut f = Frame::default();
    f.text("rep", rows.iter().map(|r| text(&r.0.rep)));
    f.date("day", rows.iter().map(|r| epoch_days(r.0.day)));
    f.text("kind", rows.iter().map(|r| Some(r.1.clone())));
    f.int("count", rows.iter().map(|r| count(r.2)));
    f
}

impl TeamDailyReport {
    /// One row per rep of the team: the day's counts (see [`crate::frame`] for the units).
    ///
    /// Columns: `rep`, `day`, `new_customers`, `new_contacts`, `new_opportunities`,
    /// `advances`, `moves_back`, `won`, `lost`, `activities`, `tasks_completed`,
    /// `tasks_overdue`, `follow_ups_next_day`.
    ///
    /// ```
    /// # use salespipe::management::daily::TeamDailyReport;
    /// # fn show(r: &TeamDailyReport) {
    /// let f = r.frame();
    /// assert_eq!(f.len(), r.rows.len());
    /// # }
    /// ```
    pub fn frame(&self) -> Frame {
        daily_counts(&self.rows.iter().collect::<Vec<_>>())
    }

    /// The money of each rep's day, one row per (rep, currency): `rep`, `day`, `currency`,
    /// `new_opportunity_amount`, `won_amount`, `lost_amount`, `weighted_before`,
    /// `weighted_after`, `weighted_change` (minor units).
    pub fn amounts_frame(&self) -> Frame {
        daily_amounts(&self.rows.iter().collect::<Vec<_>>())
    }

    /// Activities by kind, one row per (rep, kind): `rep`, `day`, `kind`, `count`.
    pub fn activities_frame(&self) -> Frame {
        daily_activities(&self.rows.iter().collect::<Vec<_>>())
    }
}

impl RangeReport {
    /// One row per day: the columns of [`TeamDailyReport::frame`].
    pub fn frame(&self) -> Frame {
        daily_counts(&self.days.iter().collect::<Vec<_>>())
    }

    /// The money of each day, one row per (day, currency): the columns of
    /// [`TeamDailyReport::amounts_frame`].
    pub fn amounts_frame(&self) -> Frame {
        daily_amounts(&self.days.iter().collect::<Vec<_>>())
    }

    /// Activities by kind, one row per (day, kind).
    pub fn activities_frame(&self) -> Frame {
        daily_activities(&self.days.iter().collect::<Vec<_>>())
    }
}

// ----- attainment ----------------------------------------------------------------------

impl AttainmentReport {
    /// One row per scope (company, teams, reps), in the report's currency.
    ///
    /// Columns: `scope` (`company`, `team:<id>`, `rep:<id>`), `name`, `parent`, `target_id`,
    /// `target` (minor units), `target_deals`, `closed_won`, `deals_won`, `attainment`,
    /// `deal_attainment`, `open_pipeline`, `open_deals`, `weighted_pipeline`, `commit`,
    /// `best_case`, `omitted`, `commit_attainment`, `gap`, `coverage`,
    /// `open_without_close_date`, `currency`.
    pub fn frame(&self) -> Frame {
        let rows = &self.rows;
        let mut f = Frame::default();
        f.text("scope", rows.iter().map(|r| text(&r.scope)));
        f.text("name", rows.iter().map(|r| Some(r.name.clone())));
        f.text(
            "parent",
            rows.iter()
                .map(|r| r.parent.as_ref().map(ToString::to_string)),
        );
        f.text(
            "target_id",
            rows.iter()
                .map(|r| r.target_id.as_ref().map(ToString::to_string)),
        );
        f.int("target", rows.iter().map(|r| r.target.map(|m| m.minor())));
        f.int(
            "target_deals",
            rows.iter().map(|r| r.target_deals.map(i64::from)),
        );
        f.int(
            "closed_won",
            rows.iter().map(|r| Some(r.closed_won.minor())),
        );
        f.int("deals_won", rows.iter().map(|r| count(r.deals_won)));
        f.float("attainment", rows.iter().map(|r| r.attainment));
        f.float("deal_attainment", rows.iter().map(|r| r.deal_attainment));
        f.int(
            "open_pipeline",
            rows.iter().map(|r| Some(r.open_pipeline.minor())),
        );
        f.int("open_deals", rows.iter().map(|r| count(r.open_deals)));
        f.float(
            "weighted_pipeline",
            rows.iter().map(|r| Some(r.weighted_pipeline)),
        );
        f.int("commit", rows.iter().map(|r| Some(r.commit.minor())));
        f.int("best_case", rows.iter().map(|r| Some(r.best_case.minor())));
        f.int("omitted", rows.iter().map(|r| Some(r.omitted.minor())));
        f.float(
            "commit_attainment",
            rows.iter().map(|r| r.commit_attainment),
        );
        f.int("gap", rows.iter().map(|r| r.gap.map(|m| m.minor())));
        f.float("coverage", rows.iter().map(|r| r.coverage));
        f.int(
            "open_without_close_date",
            rows.iter().map(|r| count(r.open_without_close_date)),
        );
        f.text("currency", rows.iter().map(|_| text(self.currency.code())));
        f
    }

    /// The deals in other currencies than the report's, one row per (scope, currency):
    /// `scope`, `currency`, `closed_won`, `open_pipeline` (minor units).
    pub fn other_currencies_frame(&self) -> Frame {
        let rows: Vec<_> = self
            .rows
            .iter()
            .flat_map(|r| r.other_currencies.iter().map(move |(c, o)| (r, c, o)))
            .collect();
        let mut f = Frame::default();
        f.text("scope", rows.iter().map(|r| text(&r.0.scope)));
        f.text("currency", rows.iter().map(|r| Some(r.1.clone())));
        f.int("closed_won", rows.iter().map(|r| Some(r.2.closed_won)));
        f.int(
            "open_pipeline",
            rows.iter().map(|r| Some(r.2.open_pipeline)),
        );
        f
    }
}

// ----- sources -------------------------------------------------------------------------

impl SourceReport {
    /// One row per source: `source`, `name`, `configured`, `created`, `won`, `lost`,
    /// `win_rate`, `revenue` (minor units of `currency`), `avg_cycle` (duration), `open`,
    /// `currency`.
    pub fn frame(&self) -> Frame {
        let rows = &self.sources;
        let mut f = Frame::default();
        f.text("source", rows.iter().map(|r| Some(r.source.clone())));
        f.text("name", rows.iter().map(|r| Some(r.name.clone())));
        f.bool("configured", rows.iter().map(|r| Some(r.configured)));
        f.int("created", rows.iter().map(|r| count(r.created)));
        f.int("won", rows.iter().map(|r| count(r.won)));
        f.int("lost", rows.iter().map(|r| count(r.lost)));
        f.float("win_rate", rows.iter().map(|r| r.win_rate));
        f.int("revenue", rows.iter().map(|r| Some(r.revenue)));
        f.duration("avg_cycle", rows.iter().map(|r| days(r.avg_cycle_days)));
        f.int("open", rows.iter().map(|r| count(r.open)));
        f.text("currency", rows.iter().map(|_| self.currency.clone()));
        f
    }

    /// The sources' costs, one row per (source, currency): `source`, `currency`, `cost`
    /// (minor units), `cost_per_won` (minor units).
    pub fn costs_frame(&self) -> Frame {
        let src = &self.sources;
        let rows = currency_rows(src.len(), |i| src[i].cost.keys());
        let mut f = Frame::default();
        f.text(
            "source",
            rows.iter().map(|&(i, _)| Some(src[i].source.clone())),
        );
        f.text("currency", rows.iter().map(|&(_, c)| text(c)));
        f.int("cost", rows.iter().map(|&(i, c)| minor(&src[i].cost, c)));
        f.float(
            "cost_per_won",
            rows.iter().map(|&(i, c)| ratio(&src[i].cost_per_won, c)),
        );
        f
    }
}

// ----- competitors ---------------------------------------------------------------------

impl CompetitorReport {
    /// One row per competitor: `competitor`, `met`, `open`, `won`, `lost_to`, `lost_other`,
    /// `win_rate`, `head_to_head_win_rate`.
    pub fn frame(&self) -> Frame {
        let rows = &self.competitors;
        let mut f = Frame::default();
        f.text(
            "competitor",
            rows.iter().map(|r| Some(r.competitor.clone())),
        );
        f.int("met", rows.iter().map(|r| count(r.met)));
        f.int("open", rows.iter().map(|r| count(r.open)));
        f.int("won", rows.iter().map(|r| count(r.won)));
        f.int("lost_to", rows.iter().map(|r| count(r.lost_to)));
        f.int("lost_other", rows.iter().map(|r| count(r.lost_other)));
        f.float("win_rate", rows.iter().map(|r| r.win_rate));
        f.float(
            "head_to_head_win_rate",
            rows.iter().map(|r| r.head_to_head_win_rate),
        );
        f
    }

    /// The competitors' amounts, one row per (competitor, currency): `competitor`,
    /// `currency`, `open_amount`, `won_amount`, `lost_to_amount`, `lost_other_amount`
    /// (minor units).
    pub fn amounts_frame(&self) -> Frame {
        let c = &self.competitors;
        let rows = currency_rows(c.len(), |i| {
            let maps = [
                &c[i].open_amount,
                &c[i].won_amount,
                &c[i].lost_to_amount,
                &c[i].lost_other_amount,
            ];
            maps.into_iter().flat_map(BTreeMap::keys)
        });
        let mut f = Frame::default();
        f.text(
            "competitor",
            rows.iter().map(|&(i, _)| Some(c[i].competitor.clone())),
        );
        f.text("currency", rows.iter().map(|&(_, k)| text(k)));
        f.int(
            "open_amount",
            rows.iter().map(|&(i, k)| minor(&c[i].open_amount, k)),
        );
        f.int(
            "won_amount",
            rows.iter().map(|&(i, k)| minor(&c[i].won_amount, k)),
        );
        f.int(
            "lost_to_amount",
            rows.iter().map(|&(i, k)| minor(&c[i].lost_to_amount, k)),
        );
        f.int(
            "lost_other_amount",
            rows.iter().map(|&(i, k)| minor(&c[i].lost_other_amount, k)),
        );
        f
    }

    /// Where deals were lost to each competitor, one row per (competitor, stage):
    /// `competitor`, `stage`, `lost`.
    pub fn stages_frame(&self) -> Frame {
        let rows: Vec<_> = self
            .competitors
            .iter()
            .flat_map(|c| c.lost_at_stage.iter().map(move |(s, l)| (c, s, l)))
            .collect();
        let mut f = Frame::default();
        f.text(
            "competitor",
            rows.iter().map(|r| Some(r.0.competitor.clone())),
        );
        f.text("stage", rows.iter().map(|r| text(r.1)));
        f.int("lost", rows.iter().map(|r| count(r.2.lost)));
        f
    }
}

// ----- expenses ------------------------------------------------------------------------

/// One row per (thing, currency) of expense totals: `key` under `key_name`, `currency`,
/// `approved`, `pending`, `rejected`, `withdrawn` (minor units).
fn expense_frame<'a>(
    key_name: &'static str,
    items: &[(&'a str, &'a ExpenseTotals)],
) -> (Frame, Vec<(usize, &'a str)>) {
    let rows = currency_rows(items.len(), |i| {
        let t = items[i].1;
        [&t.approved, &t.pending, &t.rejected, &t.withdrawn]
            .into_iter()
            .flat_map(BTreeMap::keys)
    });
    let mut f = Frame::default();
    f.text(key_name, rows.iter().map(|&(i, _)| text(items[i].0)));
    f.text("currency", rows.iter().map(|&(_, c)| text(c)));
    f.int(
        "approved",
        rows.iter().map(|&(i, c)| minor(&items[i].1.approved, c)),
    );
    f.int(
        "pending",
        rows.iter().map(|&(i, c)| minor(&items[i].1.pending, c)),
    );
    f.int(
        "rejected",
        rows.iter().map(|&(i, c)| minor(&items[i].1.rejected, c)),
    );
    f.int(
        "withdrawn",
        rows.iter().map(|&(i, c)| minor(&items[i].1.withdrawn, c)),
    );
    (f, rows)
}

impl ExpenseReport {
    /// One row per (customer, currency): `customer`, `currency`, `approved`, `pending`,
    /// `rejected`, `withdrawn`, `won` (minor units), `expense_to_won`.
    pub fn customers_frame(&self) -> Frame {
        let c = &self.customers;
        let items: Vec<_> = c.iter().map(|c| (c.customer.as_str(), &c.totals)).collect();
        let (mut f, rows) = expense_frame("customer", &items);
        f.int("won", rows.iter().map(|&(i, k)| minor(&c[i].won, k)));
        f.float(
            "expense_to_won",
            rows.iter().map(|&(i, k)| ratio(&c[i].expense_to_won, k)),
        );
        f
    }

    /// One row per (category, currency): `category`, `currency`, `approved`, `pending`,
    /// `rejected`, `withdrawn` (minor units), `share`.
    pub fn categories_frame(&self) -> Frame {
        let c = &self.categories;
        let items: Vec<_> = c.iter().map(|c| (c.category.as_str(), &c.totals)).collect();
        let (mut f, rows) = expense_frame("category", &items);
        f.float("share", rows.iter().map(|&(i, k)| ratio(&c[i].share, k)));
        f
    }

    /// One row per (rep, currency): `rep`, `currency`, `approved`, `pending`, `rejected`,
    /// `withdrawn` (minor units).
    pub fn reps_frame(&self) -> Frame {
        let items: Vec<_> = self
            .reps
            .iter()
            .map(|r| (r.rep.as_str(), &r.totals))
            .collect();
        expense_frame("rep", &items).0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::currency_rows;

    #[test]
    fn currency_rows_take_every_currency_of_any_map_once_in_order() {
        let a: BTreeMap<String, i64> = [("USD".into(), 1), ("EUR".into(), 2)].into();
        let b: BTreeMap<String, i64> = [("EUR".into(), 3), ("JPY".into(), 4)].into();
        let empty = BTreeMap::new();
        let maps = [vec![&a, &b], vec![&empty]];
        let rows = currency_rows(2, |i| maps[i].clone().into_iter().flat_map(BTreeMap::keys));
        assert_eq!(rows, vec![(0, "EUR"), (0, "JPY"), (0, "USD")]);
    }
}
