//! Customers (B2B companies or B2C persons) and their contacts.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::id::{ActorId, ContactId, CustomerId};

/// Business or consumer customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    /// A company.
    #[default]
    B2b,
    /// A person.
    B2c,
}

/// A contact person of a customer.
///
/// ```
/// let c = salespipe::Contact::new("acme-li", "李雷");
/// assert_eq!(c.name, "李雷");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Id.
    pub id: ContactId,
    /// Name.
    pub name: String,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Contact {
    /// A contact with a name only.
    pub fn new(id: impl Into<ContactId>, name: impl Into<String>) -> Self {
        Contact {
            id: id.into(),
            name: name.into(),
            title: None,
            email: None,
            phone: None,
        }
    }
}

/// A customer.
///
/// ```
/// use std::time::Duration;
/// let c = salespipe::Customer::new("acme", "Acme 科技")
///     .key_account(Duration::from_secs(14 * 86_400));
/// assert!(c.key);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// Id.
    pub id: CustomerId,
    /// Name.
    pub name: String,
    /// B2B or B2C.
    #[serde(default)]
    pub kind: CustomerKind,
    /// The account owner, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<ActorId>,
    /// Key customer (重点客户).
    #[serde(default)]
    pub key: bool,
    /// How often the customer should be contacted (`"14d"`).
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub cadence: Option<Duration>,
    /// Contacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

impl Customer {
    /// A B2B customer with no contacts.
    pub fn new(id: impl Into<CustomerId>, name: impl Into<String>) -> Self {
        Customer {
            id: id.into(),
            name: name.into(),
            kind: CustomerKind::B2b,
            owner: None,
            key: false,
            cadence: None,
            contacts: Vec::new(),
        }
    }

    /// Marks the customer key, to be contacted at least every `cadence`.
    pub fn key_account(mut self, cadence: Duration) -> Self {
        self.key = true;
        self.cadence = Some(cadence);
        self
    }

    /// Sets the account owner.
    ///
    /// ```
    /// let c = salespipe::Customer::new("acme", "Acme").owned_by("wang");
    /// assert_eq!(c.owner.as_ref().map(|o| o.as_str()), Some("wang"));
    /// ```
    pub fn owned_by(mut self, owner: impl Into<ActorId>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// Adds a contact.
    pub fn contact(mut self, c: Contact) -> Self {
        self.contacts.push(c);
        self
    }

    /// A contact by id.
    pub fn find_contact(&self, id: &ContactId) -> Option<&Contact> {
        self.contacts.iter().find(|c| &c.id == id)
    }
}
