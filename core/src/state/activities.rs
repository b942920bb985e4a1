//! How the state keeps activities: each one once, in the list of the opportunity it is linked
//! to (what a gate reads) or among the unlinked ones, found by id through an index.

use crate::activity::Activity;
use crate::id::{ActivityId, OpportunityId};
use crate::state::Map;

/// Every activity, stored once.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Activities {
    index: Map<ActivityId, Place>,
    linked: Map<OpportunityId, Vec<Activity>>,
    unlinked: Vec<Activity>,
}

/// Where an activity is kept: the list of its opportunity (or the unlinked list), and its
/// place in that list.
#[derive(Debug, Clone, PartialEq)]
struct Place {
    opportunity: Option<OpportunityId>,
    at: u32,
    /// The version of the activity's stream (its last event's).
    version: u32,
}

impl Activities {
    fn list(&self, opportunity: Option<&OpportunityId>) -> Option<&Vec<Activity>> {
        match opportunity {
            Some(o) => self.linked.get(o),
            None => Some(&self.unlinked),
        }
    }

    /// An activity by id.
    pub fn get(&self, id: &ActivityId) -> Option<&Activity> {
        let place = self.index.get(id)?;
        self.list(place.opportunity.as_ref())?
            .get(place.at as usize)
    }

    /// The activities linked to an opportunity, in the order they were logged.
    pub fn of(&self, opportunity: &OpportunityId) -> &[Activity] {
        self.linked.get(opportunity).map_or(&[], Vec::as_slice)
    }

    /// Every activity: those of each opportunity, then the unlinked ones.
    pub fn values(&self) -> impl Iterator<Item = &Activity> {
        self.linked.values().flatten().chain(&self.unlinked)
    }

    /// The version of an activity's stream.
    pub fn version(&self, id: &str) -> Option<u64> {
        self.index.get(id).map(|p| u64::from(p.version))
    }

    /// Sets the version of an activity's stream; false when the activity is unknown or the
    /// version does not fit (more than four billion events on one activity: kept elsewhere).
    pub fn set_version(&mut self, id: &str, version: u64) -> bool {
        match (self.index.get_mut(id), u32::try_from(version)) {
            (Some(place), Ok(v)) => {
                place.version = v;
                true
            }
            _ => false,
        }
    }

    /// Keeps an activity. One logged again under a known id (possible only in a hand-edited
    /// store) replaces the earlier one where it is linked to the same opportunity, and is
    /// kept beside it otherwise (the earlier one still counts for its own opportunity).
    pub fn insert(&mut self, activity: Activity) {
        if let Some(place) = self.index.get(&activity.id) {
            if place.opportunity == activity.opportunity {
                let at = place.at as usize;
                let list = match &activity.opportunity {
                    Some(o) => self.linked.get_mut(o),
                    None => Some(&mut self.unlinked),
                };
                if let Some(slot) = list.and_then(|l| l.get_mut(at)) {
                    *slot = activity;
                    return;
                }
            }
        }
        let list = match &activity.opportunity {
            Some(o) => self.linked.entry(o.clone()).or_default(),
            None => &mut self.unlinked,
        };
        let place = Place {
            opportunity: activity.opportunity.clone(),
            // Four billion activities on one deal do not fit in memory either.
            at: u32::try_from(list.len()).unwrap_or(u32::MAX),
            version: 0,
        };
        self.index.insert(activity.id.clone(), place);
        list.push(activity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;

    fn act(id: &str, opp: Option<&str>) -> Activity {
        let mut a = Activity::new(id, "call", "c-1", Timestamp::from_millis(0));
        a.opportunity = opp.map(OpportunityId::new);
        a
    }

    #[test]
    fn each_activity_is_kept_once_and_found_by_id_and_by_opportunity() {
        let mut all = Activities::default();
        all.insert(act("a1", Some("o1")));
        all.insert(act("a2", None));
        all.insert(act("a3", Some("o1")));
        all.insert(act("a4", Some("o2")));
        let ids = |v: &[Activity]| v.iter().map(|a| a.id.to_string()).collect::<Vec<_>>();
        assert_eq!(ids(all.of(&"o1".into())), ["a1", "a3"]);
        assert_eq!(ids(all.of(&"o3".into())), Vec::<String>::new());
        assert_eq!(
            all.get(&"a2".into()).map(|a| a.opportunity.is_none()),
            Some(true)
        );
        assert_eq!(
            all.get(&"a4".into()).map(|a| a.id.to_string()),
            Some("a4".into())
        );
        assert_eq!(all.values().count(), 4);
        // The same id again on the same deal replaces; on another deal it is kept beside.
        let mut again = act("a1", Some("o1"));
        again.kind = "meeting".into();
        all.insert(again);
        assert_eq!(all.of(&"o1".into())[0].kind, "meeting");
        all.insert(act("a1", Some("o2")));
        assert_eq!(ids(all.of(&"o2".into())), ["a4", "a1"]);
        assert_eq!(
            all.get(&"a1".into()).and_then(|a| a.opportunity.clone()),
            Some("o2".into())
        );
    }
}
