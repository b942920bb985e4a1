//! The pipeline commands: define and edit a pipeline, define an approval process.

use std::collections::BTreeMap;

use smallvec::smallvec;

use super::{misrouted, Command, Ctx, Events};
use crate::approval::{ApprovalProcess, ApprovalStatus};
use crate::engine::policy::Action;
use crate::error::{Error, Problem, Result};
use crate::event::Event;
use crate::gate::Requirement;
use crate::id::StageId;
use crate::pipeline::Pipeline;
use crate::state::State;

/// Decides a pipeline command.
#[inline(never)]
pub(super) fn decide(cx: &Ctx<'_>, cmd: Command) -> Result<Events> {
    match cmd {
        Command::DefinePipeline { pipeline } => define_pipeline(cx, pipeline),
        Command::EditPipeline { pipeline, mapping } => edit_pipeline(cx, pipeline, mapping),
        Command::DefineProcess { process } => define_process(cx, process),
        other => Err(misrouted(other, "a pipeline")),
    }
}

fn define_pipeline(cx: &Ctx<'_>, mut pipeline: Pipeline) -> Result<Events> {
    let st = cx.state;
    cx.allow(Action::Configure)?;
    pipeline.version = 1;
    let problems = definition_problems(st, &pipeline);
    if !problems.is_empty() {
        return Err(Error::InvalidDefinition { problems });
    }
    if st.pipeline(&pipeline.id).is_some() {
        return Err(Error::already_exists("pipeline", &pipeline.id));
    }
    Ok(smallvec![Event::PipelineDefined {
        pipeline: Box::new(pipeline),
    }])
}

fn edit_pipeline(
    cx: &Ctx<'_>,
    mut pipeline: Pipeline,
    mapping: BTreeMap<StageId, StageId>,
) -> Result<Events> {
    let st = cx.state;
    cx.allow(Action::Configure)?;
    let current = st
        .pipeline(&pipeline.id)
        .ok_or_else(|| Error::not_found("pipeline", &pipeline.id))?;
    pipeline.version = current.version + 1;
    let mut problems = definition_problems(st, &pipeline);
    for (from, to) in &mapping {
        if pipeline.stage(from).is_some() {
            problems.push(Problem::new(
                format!("mapping.{from}"),
                "the stage is kept; only removed stages are mapped",
            ));
        } else if current.stage(from).is_none() {
            problems.push(Problem::new(
                format!("mapping.{from}"),
                "no such stage in the current version",
            ));
        }
        if pipeline.stage(to).is_none() {
            problems.push(Problem::new(
                format!("mapping.{from}"),
                format!("target \"{to}\" is not a stage of the new version"),
            ));
        }
    }
    let mut stranded: Vec<&StageId> = st
        .opportunities()
        .filter(|o| o.pipeline == pipeline.id && o.is_open())
        .map(|o| &o.stage)
        .filter(|s| pipeline.stage(s).is_none() && !mapping.contains_key(*s))
        .collect();
    stranded.sort();
    stranded.dedup();
    for s in stranded {
        problems.push(Problem::new(
            format!("mapping.{s}"),
            format!("stage \"{s}\" is removed but holds open opportunities: map it to a stage of the new version"),
        ));
    }
    if !problems.is_empty() {
        return Err(Error::InvalidDefinition { problems });
    }
    Ok(smallvec![Event::PipelineEdited {
        pipeline: Box::new(pipeline),
        mapping,
    }])
}

fn define_process(cx: &Ctx<'_>, process: ApprovalProcess) -> Result<Events> {
    let st = cx.state;
    cx.allow(Action::Configure)?;
    process.validate()?;
    check_pending_steps(st, &process)?;
    Ok(smallvec![Event::ProcessDefined { process }])
}

/// Every problem of a pipeline definition: its own (as [`Pipeline::validate`] reports them)
/// and approval requirements naming processes the state does not define, all at once.
fn definition_problems(state: &State, p: &Pipeline) -> Vec<Problem> {
    let mut problems = p.problems();
    for (i, s) in p.stages.iter().enumerate() {
        for (r, req) in s.exit.iter().enumerate() {
            if let Requirement::Approval { process } = req {
                if state.process(process).is_none() {
                    problems.push(Problem::new(
                        format!("stages[{i}].exit[{r}].process"),
                        format!("approval process \"{process}\" is not defined"),
                    ));
                }
            }
        }
    }
    problems
}

/// Refuses a new definition of a process that would strand pending requests: one waiting at
/// a step the new definition no longer has could never be decided. The error lists them.
fn check_pending_steps(st: &State, process: &ApprovalProcess) -> Result<()> {
    let steps = process.steps.len();
    let stranded = |r: &&crate::approval::ApprovalRequest| {
        r.process == process.id && r.status == ApprovalStatus::Pending && r.step >= steps
    };
    let mut ids: Vec<String> = st
        .opportunities()
        .flat_map(|o| o.approvals.iter())
        .chain(st.expenses().map(|x| &x.request))
        .filter(stranded)
        .map(|r| format!("{} (step {})", r.id, r.step + 1))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort();
    Err(Error::validation(
        "process.steps",
        format!(
            "{} pending request(s) wait at a step this definition removes: {}; decide or withdraw them first",
            ids.len(),
            ids.join(", ")
        ),
    ))
}
