//! Validation of pipeline definitions: every problem, each with its path.

use std::collections::HashSet;

use super::{Pipeline, LOST, MAX_STAGES, WON};
use crate::clock::{duration_too_long, MAX_DURATION};
use crate::error::Problem;
use crate::gate::{FieldOp, Requirement};

pub(super) fn problems(p: &Pipeline) -> Vec<Problem> {
    let mut out = Vec::new();
    if p.id.as_str().trim().is_empty() {
        out.push(Problem::new("id", "is empty"));
    }
    if p.name.trim().is_empty() {
        out.push(Problem::new("name", "is empty"));
    }
    if p.version == 0 {
        out.push(Problem::new("version", "starts at 1"));
    }
    if p.stages.is_empty() {
        out.push(Problem::new(
            "stages",
            "a pipeline needs at least one open stage",
        ));
    }
    if p.stages.len() > MAX_STAGES {
        out.push(Problem::new(
            "stages",
            format!(
                "{} open stages, at most {MAX_STAGES} are supported (the funnel's limit)",
                p.stages.len()
            ),
        ));
    }
    let mut ids = HashSet::new();
    for (i, s) in p.stages.iter().enumerate() {
        let at = |f: &str| format!("stages[{i}].{f}");
        let id = s.id.as_str();
        if id.trim().is_empty() {
            out.push(Problem::new(at("id"), "is empty"));
        } else if id == WON || id == LOST {
            out.push(Problem::new(
                at("id"),
                format!("\"{id}\" is reserved for the outcome"),
            ));
        } else if !ids.insert(id) {
            out.push(Problem::new(
                at("id"),
                format!("duplicate stage id \"{id}\""),
            ));
        }
        if s.name.trim().is_empty() {
            out.push(Problem::new(at("name"), "is empty"));
        }
        if !(s.probability.is_finite() && (0.0..=1.0).contains(&s.probability)) {
            out.push(Problem::new(
                at("probability"),
                format!("{} is not in [0, 1]", s.probability),
            ));
        }
        if s.rotting_after.is_some_and(|d| d.is_zero()) {
            out.push(Problem::new(
                at("rotting_after"),
                "must be longer than zero",
            ));
        }
        if let Some(d) = s.rotting_after.filter(|&d| d > MAX_DURATION) {
            out.push(Problem::new(at("rotting_after"), duration_too_long(d)));
        }
        for (g, guide) in s.guidance.iter().enumerate() {
            if guide.title.trim().is_empty() {
                out.push(Problem::new(
                    at(&format!("guidance[{g}].title")),
                    "is empty",
                ));
            }
            if guide.url.is_none() && guide.text.is_none() {
                out.push(Problem::new(
                    at(&format!("guidance[{g}]")),
                    "needs a url or a text",
                ));
            }
        }
        for (r, req) in s.exit.iter().enumerate() {
            let path = at(&format!("exit[{r}]"));
            requirement_problems(req, &path, &mut out);
        }
    }
    let mut reasons = HashSet::new();
    for (i, r) in p.lost_reasons.iter().enumerate() {
        if r.trim().is_empty() {
            out.push(Problem::new(format!("lost_reasons[{i}]"), "is empty"));
        } else if !reasons.insert(r.as_str()) {
            out.push(Problem::new(
                format!("lost_reasons[{i}]"),
                format!("duplicate reason \"{r}\""),
            ));
        }
    }
    out
}

fn requirement_problems(req: &Requirement, path: &str, out: &mut Vec<Problem>) {
    match req {
        Requirement::Checklist { item } if item.trim().is_empty() => {
            out.push(Problem::new(format!("{path}.item"), "is empty"));
        }
        Requirement::Field { field, op, value } => {
            if field.trim().is_empty() {
                out.push(Problem::new(format!("{path}.field"), "is empty"));
            }
            match (op, value) {
                (FieldOp::Present, Some(_)) => out.push(Problem::new(
                    format!("{path}.value"),
                    "\"present\" takes no value",
                )),
                (FieldOp::Present, None) | (_, Some(_)) => {}
                (_, None) => out.push(Problem::new(
                    format!("{path}.value"),
                    "a comparison needs a value",
                )),
            }
            if let Some(crate::FieldValue::Number(n)) = value {
                if !n.is_finite() {
                    out.push(Problem::new(
                        format!("{path}.value"),
                        format!("{n} is not a finite number"),
                    ));
                }
            }
        }
        Requirement::MinProducts { count: 0 } | Requirement::MinContacts { count: 0 } => {
            out.push(Problem::new(format!("{path}.count"), "must be at least 1"));
        }
        Requirement::Activity { kind, count } => {
            if kind.trim().is_empty() {
                out.push(Problem::new(format!("{path}.kind"), "is empty"));
            }
            if *count == 0 {
                out.push(Problem::new(format!("{path}.count"), "must be at least 1"));
            }
        }
        Requirement::Approval { process } if process.as_str().trim().is_empty() => {
            out.push(Problem::new(format!("{path}.process"), "is empty"));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::{Pipeline, Stage};

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let json = r#"{
            "id": "sales", "name": "Sales",
            "stages": [
                {"id": "qualify", "name": "识别潜在客户", "probability": 0.1},
                {"id": "qualify", "name": "产品演示", "probability": 0.3},
                {"id": "quote", "name": "报价", "probability": 1.3,
                 "exit": [{"type": "min_products", "count": 0}, {"type": "field", "field": "amount", "op": "gt"}]},
                {"id": "won", "name": "", "probability": 0.9, "guidance": [{"title": "x"}]}
            ],
            "lost_reasons": ["price", "price"]
        }"#;
        let err = Pipeline::from_json(json).unwrap_err();
        let text = err.to_string();
        for expected in [
            "stages[1].id: duplicate stage id \"qualify\"",
            "stages[2].probability: 1.3 is not in [0, 1]",
            "stages[2].exit[0].count: must be at least 1",
            "stages[2].exit[1].value: a comparison needs a value",
            "stages[3].id: \"won\" is reserved for the outcome",
            "stages[3].name: is empty",
            "stages[3].guidance[0]: needs a url or a text",
            "lost_reasons[1]: duplicate reason \"price\"",
        ] {
            assert!(text.contains(expected), "{expected} missing from {text}");
        }
        match err {
            crate::Error::InvalidDefinition { problems } => assert_eq!(problems.len(), 8),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn toml_and_json_load_the_same_pipeline() {
        let toml = r#"
            id = "sales"
            name = "Sales"
            allow_skip = true
            lost_reasons = ["price"]
            [[stages]]
            id = "qualify"
            name = "识别潜在客户"
            probability = 0.1
            rotting_after = "14days"
            [[stages.exit]]
            type = "checklist"
            item = "budget confirmed"
            [[stages]]
            id = "demo"
            name = "产品演示"
            probability = 0.3
        "#;
        let from_toml = Pipeline::from_toml(toml).unwrap();
        let from_json = Pipeline::from_json(&from_toml.to_json()).unwrap();
        assert_eq!(from_toml, from_json);
        assert_eq!(
            from_toml.stages[0].rotting_after,
            Some(std::time::Duration::from_secs(14 * 86_400))
        );
        let built = Pipeline::builder("sales", "Sales")
            .allow_skip(true)
            .lost_reasons(["price"])
            .stage(
                Stage::new("qualify", "识别潜在客户", 0.1)
                    .rotting_after(std::time::Duration::from_secs(14 * 86_400))
                    .requires(crate::Requirement::checklist("budget confirmed")),
            )
            .stage(Stage::new("demo", "产品演示", 0.3))
            .build()
            .unwrap();
        assert_eq!(built, from_toml);
    }

    #[test]
    fn syntax_errors_are_definition_errors() {
        assert_eq!(
            Pipeline::from_json("{").unwrap_err().code(),
            crate::ErrorCode::InvalidDefinition
        );
        assert_eq!(
            Pipeline::from_toml("id = ").unwrap_err().code(),
            crate::ErrorCode::InvalidDefinition
        );
        assert!(Pipeline::from_json(r#"{"id":"x","name":"x","stages":[],"bogus":1}"#).is_err());
        // the TOML loader says where, like the JSON one
        let err =
            Pipeline::from_toml("id = \"x\"\nname = \"X\"\n[[stages]]\nid = 3\n").unwrap_err();
        assert!(err.to_string().contains("line 4, column 6"), "{err}");
    }
}
