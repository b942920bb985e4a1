//! The Maven Analytics "CRM + Sales + Opportunities" sample data set as typed rows, read
//! with the `csv` crate: quoted fields, stray carriage returns and empty fields are the
//! reader's business, and a bad row is an error naming its file, row and column.
//!
//! ```no_run
//! let dir = maven_crm::data_dir(None).unwrap();
//! let deals: Vec<maven_crm::PipelineRow> = maven_crm::read(&dir, maven_crm::PIPELINE).unwrap();
//! println!("{} deals", deals.len());
//! ```

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The deals: `sales_pipeline.csv`.
pub const PIPELINE: &str = "sales_pipeline.csv";
/// Agents, their managers and offices: `sales_teams.csv`.
pub const TEAMS: &str = "sales_teams.csv";
/// Products, their series and list prices: `products.csv`.
pub const PRODUCTS: &str = "products.csv";
/// Customer accounts: `accounts.csv`.
pub const ACCOUNTS: &str = "accounts.csv";

/// Where the data set is when none is given, from the repository root.
pub const DEFAULT_DIR: &str = "../shared/data/maven-crm";

/// One row of `sales_pipeline.csv`: a deal at its final stage.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PipelineRow {
    /// The deal's id.
    pub opportunity_id: String,
    /// The agent's full name.
    pub sales_agent: String,
    /// The product (`GTXPro` here is `GTX Pro` in `products.csv`).
    pub product: String,
    /// The customer account; empty for some deals.
    pub account: String,
    /// `Prospecting`, `Engaging`, `Won` or `Lost`.
    pub deal_stage: String,
    /// When the agent engaged; absent in Prospecting.
    pub engage_date: Option<NaiveDate>,
    /// When the deal closed; absent while open.
    pub close_date: Option<NaiveDate>,
    /// Whole US dollars; absent while open.
    pub close_value: Option<i64>,
}

/// One row of `sales_teams.csv`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TeamRow {
    /// The agent's full name.
    pub sales_agent: String,
    /// Their manager's full name.
    pub manager: String,
    /// `Central`, `East` or `West`.
    pub regional_office: String,
}

/// One row of `products.csv`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProductRow {
    /// The product's name.
    pub product: String,
    /// Its series (`GTX`, `MG`, `GTK`).
    pub series: String,
    /// List price in whole US dollars.
    pub sales_price: i64,
}

/// One row of `accounts.csv` (the columns the examples read).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccountRow {
    /// The account's name.
    pub account: String,
    /// Its sector.
    pub sector: String,
}

/// The data set's directory: `dir`, else [`DEFAULT_DIR`]; an error when it does not hold
/// [`PIPELINE`].
pub fn data_dir(dir: Option<PathBuf>) -> Result<PathBuf, String> {
    let dir = dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
    if dir.join(PIPELINE).is_file() {
        Ok(dir)
    } else {
        Err(format!(
            "{} does not hold {PIPELINE}: pass the maven-crm directory \
             (default {DEFAULT_DIR}, relative to the repository root)",
            dir.display()
        ))
    }
}

/// Every row of `file` in `dir`, by its header's column names (other columns are ignored).
pub fn read<T: DeserializeOwned>(dir: &Path, file: &str) -> Result<Vec<T>, String> {
    let path = dir.join(file);
    let mut reader = csv::Reader::from_path(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    reader
        .deserialize()
        .map(|row| row.map_err(|e| format!("{file}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rows_are_typed_quoted_fields_read_and_bad_rows_named() {
        let dir = std::env::temp_dir().join(format!("maven-crm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(PIPELINE),
            "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\r\n\
             A1,\"Snelling, Anna\",GTX Pro,,Won,2016-10-20,2017-03-01,1054\r\n\
             A2,Moses Frase,MG Special,Cancity,Engaging,2016-10-25,,\r\n",
        )
        .unwrap();
        let rows: Vec<PipelineRow> = read(&data_dir(Some(dir.clone())).unwrap(), PIPELINE).unwrap();
        assert_eq!(rows[0].sales_agent, "Snelling, Anna");
        assert_eq!(rows[0].account, "");
        assert_eq!(rows[0].close_value, Some(1054));
        assert_eq!(rows[1].close_date, None);
        assert_eq!(rows[1].engage_date, NaiveDate::from_ymd_opt(2016, 10, 25));

        std::fs::write(
            dir.join(PRODUCTS),
            "product,series,sales_price\nGTX Pro,GTX,lots\n",
        )
        .unwrap();
        let e = read::<ProductRow>(&dir, PRODUCTS).unwrap_err();
        assert!(
            e.starts_with("products.csv: ") && e.contains("line: 2"),
            "{e}"
        );
        assert!(read::<TeamRow>(&dir, TEAMS)
            .unwrap_err()
            .starts_with("cannot read"));
        assert!(data_dir(Some(dir.join("nowhere"))).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
