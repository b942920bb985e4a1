//! The fold of the pipeline events: pipelines and their versions, approval processes.

use std::collections::BTreeMap;

use crate::clock::cap_opt_duration;
use crate::event::{Event, RecordedEvent};
use crate::id::StageId;
use crate::pipeline::Pipeline;
use crate::state::{State, TimelineKind};

/// A pipeline as the state keeps it: a `rotting_after` stored before the engine checked its
/// limit is read as the limit.
fn capped(pipeline: &Pipeline) -> Pipeline {
    let mut p = pipeline.clone();
    for s in &mut p.stages {
        cap_opt_duration(&mut s.rotting_after);
    }
    p
}

impl State {
    pub(super) fn apply_pipeline(&mut self, rec: &RecordedEvent) {
        match &rec.event {
            Event::PipelineDefined { pipeline } => {
                self.pipelines
                    .insert(pipeline.id.clone(), vec![capped(pipeline)]);
                // Opportunities come after their pipeline; only a hand-edited store has any.
                for r in self.opportunities.records_mut_with_names().0 {
                    if r.opportunity.pipeline == pipeline.id {
                        r.pipeline_version = pipeline.version;
                    }
                }
            }
            Event::PipelineEdited { pipeline, mapping } => {
                self.pipeline_edited(rec, pipeline, mapping);
            }
            Event::ProcessDefined { process } => {
                let mut process = process.clone();
                cap_opt_duration(&mut process.sla);
                self.processes.insert(process.id.clone(), process);
            }
            _ => {} // folded by another aggregate
        }
    }

    /// A new version of a pipeline; its opportunities in a removed stage move as `mapping` says.
    fn pipeline_edited(
        &mut self,
        rec: &RecordedEvent,
        pipeline: &Pipeline,
        mapping: &BTreeMap<StageId, StageId>,
    ) {
        let at = rec.at;
        self.pipelines
            .entry(pipeline.id.clone())
            .or_default()
            .push(capped(pipeline));
        let (records, names) = self.opportunities.records_mut_with_names();
        for r in records.filter(|r| r.opportunity.pipeline == pipeline.id) {
            r.pipeline_version = pipeline.version;
            let opp = &mut r.opportunity;
            let Some(to) = mapping.get(&opp.stage) else {
                continue;
            };
            let from = std::mem::replace(&mut opp.stage, to.clone());
            if opp.is_open() {
                opp.stage_entered_at = at;
                r.push_step(
                    names,
                    at,
                    &rec.actor,
                    &from,
                    to,
                    TimelineKind::Remapped,
                    Some(format!(
                        "pipeline {} edited to version {}",
                        pipeline.id, pipeline.version
                    )),
                    None,
                );
            }
        }
    }
}
