//! Expenses per customer (费用控制): records submitted for approval through the same approval
//! processes as quotes, and the reports over them.
//!
//! # Records and their approval
//!
//! The host configures the expense categories (entertainment, travel, gifts, samples ...) and
//! the approval process expenses go through ([`ExpenseSettings`], a category may name its own
//! process). An [`Expense`] — customer, optional opportunity, rep, category, amount, date,
//! note, optional source — is submitted (`Command::SubmitExpense`) and decided step by step
//! like a quote ([`crate::ApprovalProcess`]): only the approvers of the step decide, nobody
//! decides their own expense (neither its submitter nor its rep), a rejection needs a
//! comment. A rejected or withdrawn expense may be resubmitted, with a corrected amount or
//! note; it then starts again at step one and its earlier rounds stay in its request's
//! decisions.
//!
//! # Reports
//!
//! [`ExpenseReport`] covers the expenses dated in `[from, to)` (any of the two may be open),
//! as of an instant, by customer, by category and by rep:
//!
//! - **approved**, **pending**, **rejected**: totals by status as of the instant (withdrawn
//!   expenses are counted in `withdrawn` only); every total is per currency (ISO code → minor
//!   units), never summed across currencies.
//! - **per customer**, `expense_to_won`: approved expenses ÷ the won revenue of the customer's
//!   deals closed in the same dates (their closing instant's UTC date), per currency; absent
//!   where the customer won nothing in that currency.
//! - **per category**, `share`: the category's approved total ÷ the company's approved total,
//!   per currency; absent where the company total is zero.
//! - A **source** for the source report ([`crate::management::source`]) is the expense's own `source`,
//!   else its opportunity's.
//!
//! ```
//! use salespipe::management::expense::*;
//! use salespipe::Money;
//! let rows = vec![
//!     ExpenseRow::new("e1", "acme", "wang", "travel", Money::parse("300", "CNY")?, ExpenseStatus::Approved),
//!     ExpenseRow::new("e2", "acme", "wang", "gifts", Money::parse("100", "CNY")?, ExpenseStatus::Rejected),
//! ];
//! let report = expense_report(&rows, &[], &ExpenseQuery::default())?;
//! assert_eq!(report.customers[0].totals.approved["CNY"], 30_000);
//! assert_eq!(report.customers[0].totals.rejected["CNY"], 10_000);
//! let travel = report.categories.iter().find(|c| c.category == "travel").unwrap();
//! assert_eq!(travel.share["CNY"], 1.0);
//! # Ok::<(), salespipe::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::approval::{ApprovalRequest, ApprovalStatus};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::id::{ActorId, CustomerId, ExpenseId, OpportunityId, ProcessId};
use crate::money::{add_money, Money};
use crate::render::{money_map, percent_map};

// ----- types -------------------------------------------------------------------------

/// A configured expense category.
///
/// ```
/// let c = salespipe::management::expense::ExpenseCategory::new("entertainment", "业务招待");
/// assert!(c.process.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpenseCategory {
    /// Stable id (`travel`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The approval process of this category (absent: the settings' process).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<ProcessId>,
}

impl ExpenseCategory {
    /// A category approved through the settings' process.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        ExpenseCategory {
            id: id.into(),
            name: name.into(),
            process: None,
        }
    }
}

/// The expense categories and the approval process expenses go through.
///
/// ```
/// use salespipe::management::expense::{ExpenseCategory, ExpenseSettings};
/// let s = ExpenseSettings::new("expense-approval")
///     .category(ExpenseCategory::new("travel", "差旅"))
///     .category(ExpenseCategory::new("gifts", "礼品"));
/// assert_eq!(s.categories.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpenseSettings {
    /// The categories, in display order.
    pub categories: Vec<ExpenseCategory>,
    /// The approval process of every category that names none.
    pub process: ProcessId,
}

impl ExpenseSettings {
    /// Settings with no categories yet.
    pub fn new(process: impl Into<ProcessId>) -> Self {
        ExpenseSettings {
            categories: Vec::new(),
            process: process.into(),
        }
    }

    /// Adds a category.
    pub fn category(mut self, c: ExpenseCategory) -> Self {
        self.categories.push(c);
        self
    }

    /// The process of a category.
    pub fn process_of(&self, category: &str) -> Option<&ProcessId> {
        self.categories
            .iter()
            .find(|c| c.id == category)
            .map(|c| c.process.as_ref().unwrap_or(&self.process))
    }
}

/// An expense record (费用).
///
/// ```
/// use salespipe::management::expense::Expense;
/// use salespipe::Money;
/// let e = Expense::new("exp-1", "acme", "wang", "entertainment", Money::parse("880", "CNY")?,
///     "2026-03-02".parse().unwrap()).note("dinner with the CTO");
/// assert_eq!(e.amount.minor(), 88_000);
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expense {
    /// Id chosen by the host.
    pub id: ExpenseId,
    /// The customer it was spent on.
    pub customer: CustomerId,
    /// The opportunity, if any (must be the customer's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity: Option<OpportunityId>,
    /// The rep who spent it.
    pub rep: ActorId,
    /// A configured category id.
    pub category: String,
    /// How much (greater than zero).
    pub amount: Money,
    /// When it was spent.
    pub date: NaiveDate,
    /// What for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The source it is a cost of (absent: its opportunity's source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Expense {
    /// An expense with no opportunity, note or source.
    pub fn new(
        id: impl Into<ExpenseId>,
        customer: impl Into<CustomerId>,
        rep: impl Into<ActorId>,
        category: impl Into<String>,
        amount: Money,
        date: NaiveDate,
    ) -> Self {
        Expense {
            id: id.into(),
            customer: customer.into(),
            opportunity: None,
            rep: rep.into(),
            category: category.into(),
            amount,
            date,
            note: String::new(),
            source: None,
        }
    }

    /// Links it to an opportunity.
    pub fn opportunity(mut self, id: impl Into<OpportunityId>) -> Self {
        self.opportunity = Some(id.into());
        self
    }

    /// Sets the note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    /// Tags it with a source.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }
}

/// An expense and its approval request, as the engine folds them.
///
/// ```
/// # use salespipe::*;
/// # use salespipe::management::expense::*;
/// let mut e = Engine::new();
/// e.register_user("root", User::new("root", "Root", Role::Admin))?;
/// e.register_user("root", User::new("wang", "王芳", Role::Rep).managed_by("root"))?;
/// e.execute("root", Command::DefineProcess { process: ApprovalProcess::new("exp", "费用审批").step(ApprovalStep {
///     name: "Manager".into(), approvers: vec!["root".into()], policy: StepPolicy::Any }) })?;
/// e.execute("root", Command::ConfigureExpenses { settings: ExpenseSettings::new("exp").category(ExpenseCategory::new("travel", "差旅")) })?;
/// e.create_customer("wang", Customer::new("acme", "Acme"))?;
/// e.execute("wang", Command::SubmitExpense { expense: Expense::new("x1", "acme", "wang", "travel",
///     Money::parse("120", "CNY")?, "2026-03-02".parse().unwrap()) })?;
/// e.execute("root", Command::DecideExpense { expense: "x1".into(), decision: Decision::Approve, comment: "".into() })?;
/// assert_eq!(e.view().expense(&"x1".into())?.status(), ExpenseStatus::Approved);
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpenseRecord {
    /// The expense as last submitted.
    pub expense: Expense,
    /// Its approval request (its id is the expense's).
    pub request: ApprovalRequest,
}

impl ExpenseRecord {
    /// Where it stands.
    pub fn status(&self) -> ExpenseStatus {
        match self.request.status {
            ApprovalStatus::Approved => ExpenseStatus::Approved,
            ApprovalStatus::Rejected => ExpenseStatus::Rejected,
            ApprovalStatus::Withdrawn | ApprovalStatus::Invalidated => ExpenseStatus::Withdrawn,
            _ => ExpenseStatus::Pending,
        }
    }
}

/// Where an expense stands.
///
/// ```
/// assert_eq!(serde_json::to_string(&salespipe::management::expense::ExpenseStatus::Pending).unwrap(), "\"pending\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExpenseStatus {
    /// Waiting for a decision.
    Pending,
    /// Approved.
    Approved,
    /// Rejected (may be resubmitted).
    Rejected,
    /// Withdrawn by its submitter (may be resubmitted).
    Withdrawn,
}

/// Which expenses: the dates `[from, to)` (either open), as of an instant.
///
/// ```
/// let q = salespipe::management::expense::ExpenseQuery { from: "2026-03-01".parse().ok(), ..Default::default() };
/// assert!(q.to.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpenseQuery {
    /// First date (inclusive).
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last date (exclusive).
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// As of (the engine replays up to it; absent: now).
    #[serde(default)]
    pub as_of: Option<Timestamp>,
}

impl ExpenseQuery {
    fn contains(&self, d: NaiveDate) -> bool {
        self.from.is_none_or(|f| d >= f) && self.to.is_none_or(|t| d < t)
    }
}

/// Totals by status, per currency (ISO code → minor units).
///
/// ```
/// let t = salespipe::management::expense::ExpenseTotals::default();
/// assert!(t.approved.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExpenseTotals {
    /// Approved.
    pub approved: BTreeMap<String, i64>,
    /// Waiting.
    pub pending: BTreeMap<String, i64>,
    /// Rejected.
    pub rejected: BTreeMap<String, i64>,
    /// Withdrawn (outside the other three).
    pub withdrawn: BTreeMap<String, i64>,
    /// Number of expenses counted.
    pub count: u64,
}

impl ExpenseTotals {
    fn add(&mut self, status: ExpenseStatus, m: Money) -> Result<()> {
        self.count += 1;
        let map = match status {
            ExpenseStatus::Approved => &mut self.approved,
            ExpenseStatus::Pending => &mut self.pending,
            ExpenseStatus::Rejected => &mut self.rejected,
            ExpenseStatus::Withdrawn => &mut self.withdrawn,
        };
        add_money(map, m)
    }
}

/// One customer's expenses.
///
/// ```
/// let c = salespipe::management::expense::CustomerExpenses { customer: "acme".into(), totals: Default::default(),
///     won: Default::default(), expense_to_won: Default::default() };
/// assert_eq!(c.customer, "acme");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerExpenses {
    /// Customer.
    pub customer: String,
    /// Totals by status.
    #[serde(flatten)]
    pub totals: ExpenseTotals,
    /// Won revenue of the customer in the dates, per currency.
    pub won: BTreeMap<String, i64>,
    /// Approved ÷ won, per currency where something was won.
    pub expense_to_won: BTreeMap<String, f64>,
}

/// One category's expenses.
///
/// ```
/// let c = salespipe::management::expense::CategoryExpenses { category: "travel".into(), totals: Default::default(), share: Default::default() };
/// assert!(c.share.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryExpenses {
    /// Category id.
    pub category: String,
    /// Totals by status.
    #[serde(flatten)]
    pub totals: ExpenseTotals,
    /// Approved ÷ the company's approved, per currency.
    pub share: BTreeMap<String, f64>,
}

/// One rep's expenses.
///
/// ```
/// let r = salespipe::management::expense::RepExpenses { rep: "wang".into(), totals: Default::default() };
/// assert_eq!(r.totals.count, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepExpenses {
    /// Rep.
    pub rep: String,
    /// Totals by status.
    #[serde(flatten)]
    pub totals: ExpenseTotals,
}

/// Expenses by customer, category and rep (see the module docs).
///
/// ```
/// use salespipe::management::expense::*;
/// let r = expense_report(&[], &[], &ExpenseQuery::default())?;
/// assert!(r.customers.is_empty());
/// assert!(r.to_string().contains("Expenses"));
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpenseReport {
    /// First date.
    pub from: Option<NaiveDate>,
    /// Last date (exclusive).
    pub to: Option<NaiveDate>,
    /// As of.
    pub as_of: Option<Timestamp>,
    /// The company's totals.
    pub total: ExpenseTotals,
    /// By customer id.
    pub customers: Vec<CustomerExpenses>,
    /// By category id.
    pub categories: Vec<CategoryExpenses>,
    /// By rep id.
    pub reps: Vec<RepExpenses>,
}

// ----- rows --------------------------------------------------------------------------

/// One expense as the report reads it (the plain-columns input).
///
/// ```
/// use salespipe::management::expense::{ExpenseRow, ExpenseStatus};
/// let r = ExpenseRow::new("e1", "acme", "wang", "travel", salespipe::Money::parse("1", "CNY")?, ExpenseStatus::Pending);
/// assert!(r.date.is_none());
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpenseRow {
    /// Id (unique).
    pub id: String,
    /// Customer.
    pub customer: String,
    /// Rep.
    pub rep: String,
    /// Category id.
    pub category: String,
    /// Amount (greater than zero).
    pub amount: Money,
    /// Status.
    pub status: ExpenseStatus,
    /// When it was spent (absent: in every date range).
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

impl ExpenseRow {
    /// A row without a date.
    pub fn new(
        id: impl Into<String>,
        customer: impl Into<String>,
        rep: impl Into<String>,
        category: impl Into<String>,
        amount: Money,
        status: ExpenseStatus,
    ) -> Self {
        ExpenseRow {
            id: id.into(),
            customer: customer.into(),
            rep: rep.into(),
            category: category.into(),
            amount,
            status,
            date: None,
        }
    }
}

/// A won deal's revenue for the customer ratio (the plain-columns input).
///
/// ```
/// let w = salespipe::management::expense::WonRow { customer: "acme".into(),
///     amount: salespipe::Money::parse("1000", "CNY")?, closed_at: "2026-03-02T00:00:00Z".parse()? };
/// assert_eq!(w.amount.minor(), 100_000);
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WonRow {
    /// Customer.
    pub customer: String,
    /// Amount won.
    pub amount: Money,
    /// When it was won.
    pub closed_at: Timestamp,
}

// ----- report ------------------------------------------------------------------------

fn ratio_map(num: &BTreeMap<String, i64>, den: &BTreeMap<String, i64>) -> BTreeMap<String, f64> {
    num.iter()
        .filter_map(|(c, n)| {
            den.get(c)
                .filter(|d| **d > 0)
                .map(|d| (c.clone(), *n as f64 / *d as f64))
        })
        .collect()
}

/// The expense report over plain rows (see the module docs).
///
/// Errors: an empty id, customer, rep or category; a duplicate id; an amount not above zero;
/// a won row with a negative amount. Each names its field.
pub fn expense_report(
    rows: &[ExpenseRow],
    won: &[WonRow],
    query: &ExpenseQuery,
) -> Result<ExpenseReport> {
    if let (Some(f), Some(t)) = (query.from, query.to) {
        if t < f {
            return Err(Error::validation("to", format!("{t} is before from {f}")));
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut total = ExpenseTotals::default();
    let mut customers: BTreeMap<&str, ExpenseTotals> = BTreeMap::new();
    let mut categories: BTreeMap<&str, ExpenseTotals> = BTreeMap::new();
    let mut reps: BTreeMap<&str, ExpenseTotals> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        for (name, v) in [
            ("id", &r.id),
            ("customer", &r.customer),
            ("rep", &r.rep),
            ("category", &r.category),
        ] {
            if v.trim().is_empty() {
                return Err(Error::validation(
                    format!("rows[{i}].{name}"),
                    "must not be empty",
                ));
            }
        }
        if !seen.insert(r.id.as_str()) {
            return Err(Error::validation(
                format!("rows[{i}].id"),
                format!("duplicate expense {}", r.id),
            ));
        }
        if r.amount.minor() <= 0 {
            return Err(Error::validation(
                format!("rows[{i}].amount"),
                format!("{} is not above zero", r.amount),
            ));
        }
        if !r.date.is_none_or(|d| query.contains(d)) {
            continue;
        }
        total.add(r.status, r.amount)?;
        customers
            .entry(&r.customer)
            .or_default()
            .add(r.status, r.amount)?;
        categories
            .entry(&r.category)
            .or_default()
            .add(r.status, r.amount)?;
        reps.entry(&r.rep).or_default().add(r.status, r.amount)?;
    }
    let mut won_by: BTreeMap<&str, BTreeMap<String, i64>> = BTreeMap::new();
    for (i, w) in won.iter().enumerate() {
        if w.amount.is_negative() {
            return Err(Error::validation(
                format!("won[{i}].amount"),
                "must not be negative",
            ));
        }
        let d = w.closed_at.to_datetime().date_naive();
        if query.contains(d) && query.as_of.is_none_or(|t| w.closed_at <= t) {
            add_money(won_by.entry(&w.customer).or_default(), w.amount)?;
        }
    }
    let customers = customers
        .into_iter()
        .map(|(c, totals)| {
            let won = won_by.get(c).cloned().unwrap_or_default();
            CustomerExpenses {
                customer: c.to_owned(),
                expense_to_won: ratio_map(&totals.approved, &won),
                totals,
                won,
            }
        })
        .collect();
    let categories = categories
        .into_iter()
        .map(|(c, totals)| CategoryExpenses {
            category: c.to_owned(),
            share: ratio_map(&totals.approved, &total.approved),
            totals,
        })
        .collect();
    let reps = reps
        .into_iter()
        .map(|(r, totals)| RepExpenses {
            rep: r.to_owned(),
            totals,
        })
        .collect();
    Ok(ExpenseReport {
        from: query.from,
        to: query.to,
        as_of: query.as_of,
        total,
        customers,
        categories,
        reps,
    })
}

// ----- rendering ---------------------------------------------------------------------

impl fmt::Display for ExpenseReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = match (self.from, self.to) {
            (None, None) => "all dates".to_owned(),
            (a, b) => format!(
                "{} .. {}",
                a.map_or_else(|| "…".to_owned(), |d| d.to_string()),
                b.map_or_else(|| "…".to_owned(), |d| d.to_string())
            ),
        };
        writeln!(f, "Expenses, {range}")?;
        let line = |f: &mut fmt::Formatter<'_>, label: &str, t: &ExpenseTotals, extra: String| {
            writeln!(
                f,
                "  {:<20} approved {:<18} pending {:<18} rejected {:<18}{extra}",
                label,
                money_map(&t.approved),
                money_map(&t.pending),
                money_map(&t.rejected)
            )
        };
        line(f, "company", &self.total, String::new())?;
        writeln!(f, "by customer")?;
        for c in &self.customers {
            let extra = if c.expense_to_won.is_empty() {
                String::new()
            } else {
                format!(" of won {}", percent_map(&c.expense_to_won))
            };
            line(f, &c.customer, &c.totals, extra)?;
        }
        writeln!(f, "by category")?;
        for c in &self.categories {
            line(
                f,
                &c.category,
                &c.totals,
                format!(" share {}", percent_map(&c.share)),
            )?;
        }
        writeln!(f, "by rep")?;
        for r in &self.reps {
            line(f, &r.rep, &r.totals, String::new())?;
        }
        Ok(())
    }
}
