//! Opportunities (销售机会): customer, owner, money, products, competitors, contacts, custom
//! fields, checklist, stage and outcome.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::approval::ApprovalRequest;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::id::{ActorId, ContactId, CustomerId, OpportunityId, PipelineId, StageId};
use crate::money::{Currency, Money};

/// A typed custom-field value. JSON is externally tagged: `{"text": "..."}`, `{"number": 3.5}`,
/// `{"bool": true}`, `{"date": "2026-06-30"}`, `{"money": {"minor": 100, "currency": "CNY"}}`.
///
/// ```
/// use salespipe::FieldValue;
/// let v: FieldValue = serde_json::from_str(r#"{"date":"2026-06-30"}"#).unwrap();
/// assert_eq!(v.to_string(), "2026-06-30");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldValue {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A flag.
    Bool(bool),
    /// A calendar date.
    Date(NaiveDate),
    /// Money.
    Money(Money),
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(s) => write!(f, "\"{s}\""),
            FieldValue::Number(n) => write!(f, "{n}"),
            FieldValue::Bool(b) => write!(f, "{b}"),
            FieldValue::Date(d) => write!(f, "{d}"),
            FieldValue::Money(m) => write!(f, "{m}"),
        }
    }
}

/// One quoted product line (报价产品): quantity × unit price less a discount.
///
/// ```
/// use salespipe::{Money, ProductLine};
/// let line = ProductLine::new("GTX Pro", 3, Money::parse("4821", "USD").unwrap()).discount_bp(1000);
/// assert_eq!(line.total().unwrap().to_string(), "13016.70 USD");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductLine {
    /// Product name or SKU.
    pub product: String,
    /// Quantity (whole units).
    pub quantity: u32,
    /// Price of one unit.
    pub unit_price: Money,
    /// Discount in basis points (100 = 1 %), 0..=10000.
    #[serde(default)]
    pub discount_bp: u32,
}

impl ProductLine {
    /// A line without discount.
    pub fn new(product: impl Into<String>, quantity: u32, unit_price: Money) -> Self {
        ProductLine {
            product: product.into(),
            quantity,
            unit_price,
            discount_bp: 0,
        }
    }

    /// Sets the discount in basis points.
    pub fn discount_bp(mut self, bp: u32) -> Self {
        self.discount_bp = bp;
        self
    }

    /// quantity × unit price × (1 − discount), rounded half away from zero to the minor unit;
    /// overflow is an error.
    pub fn total(&self) -> Result<Money> {
        if self.discount_bp > 10_000 {
            return Err(Error::validation(
                "discount_bp",
                format!("{} is above 10000", self.discount_bp),
            ));
        }
        let gross = i128::from(self.unit_price.minor()) * i128::from(self.quantity);
        let net_x = gross * i128::from(10_000 - self.discount_bp);
        let half = if net_x < 0 { -5_000 } else { 5_000 };
        let minor = (net_x + half) / 10_000;
        let minor = i64::try_from(minor)
            .map_err(|_| Error::money(format!("line {} overflows", self.product)))?;
        Ok(Money::from_minor(minor, self.unit_price.currency()))
    }
}

/// Where a competitor stands on a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CompetitorStatus {
    /// Still in the race.
    #[default]
    Active,
    /// Dropped out.
    Eliminated,
    /// Won the deal against us.
    Won,
}

/// A competitor (竞争对手) met on a deal.
///
/// ```
/// let c = salespipe::Competitor::new("Globex");
/// assert_eq!(c.status, salespipe::CompetitorStatus::Active);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Competitor {
    /// Name.
    pub name: String,
    /// Their strengths on this deal.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub strengths: String,
    /// Their weaknesses on this deal.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub weaknesses: String,
    /// Where they stand.
    #[serde(default)]
    pub status: CompetitorStatus,
}

impl Competitor {
    /// An active competitor.
    pub fn new(name: impl Into<String>) -> Self {
        Competitor {
            name: name.into(),
            strengths: String::new(),
            weaknesses: String::new(),
            status: CompetitorStatus::Active,
        }
    }
}

/// The forecast category (预测类别) of an open deal: how the rep and the manager judge it,
/// apart from its stage's probability. Attainment sums `commit` deals into the commit figure
/// and leaves `omitted` deals out of the pipeline; see [`crate::management::target`].
///
/// A deal's category is its own [`Opportunity::forecast_category`] when the host set one,
/// else its stage's [`crate::Stage::forecast_category`], else `pipeline`.
///
/// ```
/// use salespipe::ForecastCategory;
/// assert_eq!(serde_json::to_string(&ForecastCategory::BestCase).unwrap(), "\"best_case\"");
/// assert_eq!(ForecastCategory::default(), ForecastCategory::Pipeline);
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ForecastCategory {
    /// In the pipeline, not yet judged likely (the default).
    #[default]
    Pipeline,
    /// Could close in the period if things go well.
    BestCase,
    /// The rep commits to closing it in the period.
    Commit,
    /// Left out of the forecast and of the open pipeline.
    Omitted,
}

impl fmt::Display for ForecastCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ForecastCategory::Pipeline => "pipeline",
            ForecastCategory::BestCase => "best_case",
            ForecastCategory::Commit => "commit",
            ForecastCategory::Omitted => "omitted",
        })
    }
}

/// Open in a stage, won or lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Open.
    Open,
    /// Won.
    Won,
    /// Lost for a reason, perhaps to a competitor.
    Lost {
        /// The configured lost reason.
        reason: String,
        /// The competitor who won, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        competitor: Option<String>,
    },
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Open => f.write_str("open"),
            Status::Won => f.write_str("won"),
            Status::Lost {
                reason,
                competitor: None,
            } => write!(f, "lost ({reason})"),
            Status::Lost {
                reason,
                competitor: Some(c),
            } => write!(f, "lost to {c} ({reason})"),
        }
    }
}

/// The ticked checklist items of an opportunity: a set of strings, in sorted order. JSON is
/// an array of strings.
///
/// Items are kept in one sorted array, each item of up to 24 bytes inside it: checking an
/// item (what every checklist gate does) reads one block of memory.
///
/// ```
/// use salespipe::Checklist;
/// let mut c: Checklist = ["budget", "demo held"].into_iter().collect();
/// assert!(c.contains("budget"));
/// assert!(c.insert("approved"));
/// assert!(!c.insert("budget"));
/// assert!(c.remove("demo held"));
/// assert_eq!(c.iter().collect::<Vec<_>>(), ["approved", "budget"]);
/// assert_eq!(serde_json::to_string(&c).unwrap(), r#"["approved","budget"]"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Checklist(Vec<compact_str::CompactString>);

impl Checklist {
    /// An empty checklist.
    pub fn new() -> Self {
        Checklist::default()
    }

    fn find(&self, item: &str) -> std::result::Result<usize, usize> {
        self.0.binary_search_by(|x| x.as_str().cmp(item))
    }

    /// True when `item` is ticked.
    pub fn contains(&self, item: &str) -> bool {
        self.find(item).is_ok()
    }

    /// Ticks `item`; false when it was ticked already.
    pub fn insert(&mut self, item: &str) -> bool {
        match self.find(item) {
            Ok(_) => false,
            Err(i) => {
                self.0.insert(i, item.into());
                true
            }
        }
    }

    /// Unticks `item`; false when it was not ticked.
    pub fn remove(&mut self, item: &str) -> bool {
        match self.find(item) {
            Ok(i) => {
                self.0.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// The ticked items, in sorted order.
    pub fn iter(&self) -> ChecklistIter<'_> {
        ChecklistIter(self.0.iter())
    }

    /// How many items are ticked.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing is ticked.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Checklist {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut items: Vec<compact_str::CompactString> =
            iter.into_iter().map(|s| s.as_ref().into()).collect();
        items.sort_unstable();
        items.dedup();
        Checklist(items)
    }
}

impl<'a> IntoIterator for &'a Checklist {
    type Item = &'a str;
    type IntoIter = ChecklistIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The ticked items of a [`Checklist`], in sorted order ([`Checklist::iter`]).
#[derive(Debug, Clone)]
pub struct ChecklistIter<'a>(std::slice::Iter<'a, compact_str::CompactString>);

impl<'a> Iterator for ChecklistIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        self.0.next().map(|x| x.as_str())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for ChecklistIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|x| x.as_str())
    }
}

impl ExactSizeIterator for ChecklistIter<'_> {}

impl std::iter::FusedIterator for ChecklistIter<'_> {}

impl Serialize for Checklist {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Checklist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Vec::<std::borrow::Cow<'de, str>>::deserialize(d)?
            .into_iter()
            .collect())
    }
}

/// An opportunity, as the fold of its events.
///
/// Created through [`crate::Engine::create_opportunity`] from a [`NewOpportunity`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// Id.
    pub id: OpportunityId,
    /// Pipeline.
    pub pipeline: PipelineId,
    /// Customer.
    pub customer: CustomerId,
    /// Owner (the responsible rep).
    pub owner: ActorId,
    /// Name.
    pub name: String,
    /// Amount.
    pub amount: Money,
    /// When set, the amount is the sum of the product lines, kept in step on every change.
    pub amount_from_products: bool,
    /// Expected close date.
    pub expected_close: Option<NaiveDate>,
    /// How many times the expected close date was moved later.
    pub close_date_pushes: u32,
    /// Source (来源).
    pub source: Option<String>,
    /// Quoted products.
    pub products: Vec<ProductLine>,
    /// Competitors.
    pub competitors: Vec<Competitor>,
    /// Contacts.
    pub contacts: Vec<ContactId>,
    /// Custom fields.
    pub fields: BTreeMap<String, FieldValue>,
    /// Ticked checklist items.
    pub checklist: Checklist,
    /// The current open stage, or the last one before closing.
    pub stage: StageId,
    /// When it entered `stage`.
    pub stage_entered_at: Timestamp,
    /// Open, won or lost.
    pub status: Status,
    /// When it closed (won or lost), if closed.
    pub closed_at: Option<Timestamp>,
    /// When it was created.
    pub created_at: Timestamp,
    /// Approval requests, oldest first.
    pub approvals: Vec<ApprovalRequest>,
    /// Number of events in its stream.
    pub version: u64,
    /// The forecast category the host set (absent: the stage's, else `pipeline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast_category: Option<ForecastCategory>,
}

impl Opportunity {
    /// True while neither won nor lost.
    pub fn is_open(&self) -> bool {
        self.status == Status::Open
    }

    /// The latest request of a process, if any.
    pub fn latest_request(&self, process: &crate::ProcessId) -> Option<&ApprovalRequest> {
        self.approvals.iter().rev().find(|r| &r.process == process)
    }

    /// The sum of the product lines in `currency`.
    pub fn products_total(&self, currency: Currency) -> Result<Money> {
        self.products
            .iter()
            .try_fold(Money::zero(currency), |acc, l| acc.checked_add(l.total()?))
    }
}

/// The input of [`crate::Engine::create_opportunity`].
///
/// ```
/// use salespipe::{Money, NewOpportunity};
/// let new = NewOpportunity::new("opp-1", "sales", "acme", "wang", "Acme ERP rollout",
///     Money::parse("120000", "CNY").unwrap());
/// assert!(new.stage.is_none()); // defaults to the first stage
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOpportunity {
    /// Id chosen by the host.
    pub id: OpportunityId,
    /// Pipeline.
    pub pipeline: PipelineId,
    /// Customer (must exist).
    pub customer: CustomerId,
    /// Owner.
    pub owner: ActorId,
    /// Name.
    pub name: String,
    /// Amount; ignored when `amount_from_products` is set (then the currency is kept).
    pub amount: Money,
    /// Derive the amount from the product lines.
    #[serde(default)]
    pub amount_from_products: bool,
    /// Expected close date.
    #[serde(default)]
    pub expected_close: Option<NaiveDate>,
    /// Source.
    #[serde(default)]
    pub source: Option<String>,
    /// Initial stage (default: the first).
    #[serde(default)]
    pub stage: Option<StageId>,
    /// Quoted products.
    #[serde(default)]
    pub products: Vec<ProductLine>,
    /// Competitors.
    #[serde(default)]
    pub competitors: Vec<Competitor>,
    /// Contacts (must belong to the customer).
    #[serde(default)]
    pub contacts: Vec<ContactId>,
    /// Custom fields.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldValue>,
    /// Forecast category (absent: the stage's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast_category: Option<ForecastCategory>,
}

impl NewOpportunity {
    /// The required fields; the rest default to empty.
    pub fn new(
        id: impl Into<OpportunityId>,
        pipeline: impl Into<PipelineId>,
        customer: impl Into<CustomerId>,
        owner: impl Into<ActorId>,
        name: impl Into<String>,
        amount: Money,
    ) -> Self {
        NewOpportunity {
            id: id.into(),
            pipeline: pipeline.into(),
            customer: customer.into(),
            owner: owner.into(),
            name: name.into(),
            amount,
            amount_from_products: false,
            expected_close: None,
            source: None,
            stage: None,
            products: Vec::new(),
            competitors: Vec::new(),
            contacts: Vec::new(),
            fields: BTreeMap::new(),
            forecast_category: None,
        }
    }
}

/// A partial update of an opportunity: only the fields given change.
///
/// In JSON a field that is absent stays as it is; a clearable field (`expected_close`,
/// `source`, `forecast_category`) given as `null` is cleared (`Some(None)`), and serialises
/// back to `null` (an unchanged field is left out).
///
/// ```
/// use salespipe::OpportunityPatch;
/// let patch = OpportunityPatch { name: Some("Acme ERP, phase 1".into()), ..Default::default() };
/// assert!(patch.amount.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OpportunityPatch {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<ActorId>,
    /// New amount (refused while the amount is derived from products).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Derive the amount from products from now on, or stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_from_products: Option<bool>,
    /// New expected close date (`Some(None)` clears it).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub expected_close: Option<Option<NaiveDate>>,
    /// New source (`Some(None)` clears it).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub source: Option<Option<String>>,
    /// Replaces the product lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<ProductLine>>,
    /// Replaces the competitors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competitors: Option<Vec<Competitor>>,
    /// Replaces the contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<ContactId>>,
    /// Sets custom fields (a `null` value removes the field).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Option<FieldValue>>,
    /// New forecast category (`Some(None)` returns to the stage's).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub forecast_category: Option<Option<ForecastCategory>>,
}

/// A field that is present, `null` included, is `Some`: with `#[serde(default)]` an absent
/// field stays `None` ("unchanged") and `null` is `Some(None)` ("clear"). Serde alone reads
/// `null` into an `Option<Option<_>>` as `None`.
fn present<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

impl OpportunityPatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &OpportunityPatch::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checklist_is_a_sorted_set_of_any_length_of_item() {
        let long = "the customer confirmed the budget in writing"; // past 24 bytes: not inline
        let mut c = Checklist::new();
        assert!(c.is_empty());
        for item in ["z", long, "a", "预算已确认"] {
            assert!(c.insert(item));
        }
        assert!(!c.insert(long));
        assert_eq!(c.len(), 4);
        assert!(c.contains(long) && c.contains("预算已确认") && !c.contains("b"));
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            ["a", long, "z", "预算已确认"] // byte order, as a BTreeSet<String> had it
        );
        assert_eq!((&c).into_iter().next_back(), Some("预算已确认"));
        let mut it = c.iter();
        assert_eq!((it.len(), it.next(), it.len()), (4, Some("a"), 3));
        assert!(c.remove(long));
        assert!(!c.remove(long));
        assert_eq!(c.iter().collect::<Vec<_>>(), ["a", "z", "预算已确认"]);
    }

    #[test]
    fn checklist_json_is_a_sorted_array_and_reads_any_order_once() {
        let c: Checklist = serde_json::from_str(r#"["b","a","b"]"#).unwrap();
        assert_eq!(c, ["a", "b"].into_iter().collect());
        assert_eq!(serde_json::to_string(&c).unwrap(), r#"["a","b"]"#);
        assert!(serde_json::from_str::<Checklist>(r#"{"a":1}"#).is_err());
        assert!(serde_json::from_str::<Checklist>("[1]").is_err());
    }

    #[test]
    fn line_totals_round_half_away_and_refuse_bad_discounts() {
        let usd = |m| Money::from_minor(m, Currency::new("USD").unwrap());
        assert_eq!(
            ProductLine::new("a", 1, usd(5))
                .discount_bp(1000)
                .total()
                .unwrap()
                .minor(),
            5
        ); // 4.5 -> 5
        assert_eq!(
            ProductLine::new("a", 1, usd(-5))
                .discount_bp(1000)
                .total()
                .unwrap()
                .minor(),
            -5
        );
        assert_eq!(
            ProductLine::new("a", 3, usd(100))
                .discount_bp(10_000)
                .total()
                .unwrap()
                .minor(),
            0
        );
        assert!(ProductLine::new("a", 1, usd(1))
            .discount_bp(10_001)
            .total()
            .is_err());
        assert!(ProductLine::new("a", u32::MAX, usd(i64::MAX))
            .total()
            .is_err());
    }

    #[test]
    fn field_values_json() {
        for (v, j) in [
            (FieldValue::Text("x".into()), r#"{"text":"x"}"#),
            (FieldValue::Bool(true), r#"{"bool":true}"#),
            (FieldValue::Number(2.5), r#"{"number":2.5}"#),
        ] {
            assert_eq!(serde_json::to_string(&v).unwrap(), j);
            assert_eq!(serde_json::from_str::<FieldValue>(j).unwrap(), v);
        }
    }
}
