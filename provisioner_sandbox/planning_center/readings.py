"""Readings of Planning Center Services: undocumented points ([G] in docs/api-notes.md) the sandbox
can take either way. The first value is the default (the reading the notes call most likely)."""

from __future__ import annotations

from ..readings import Reading

MEMBER_CREATE = Reading(
    "pco.member_create",
    ("both", "attributes", "relationships", "team-lost"),
    "both: person/team as relationships or as person_id/team_id attributes; attributes: only the "
    "attributes "
    "count (relationships ignored, no team_id = the first available team); relationships: "
    "person_id/team_id "
    "attributes are a 422 Forbidden Attribute; team-lost: the person is read, the team from "
    "neither form (the "
    "member lands on the first available team) [G, part 3 #11]",
)
MEMBER_PATH = Reading(
    "pco.member_path",
    ("both", "documented-only", "team-members-only"),
    "both: PATCH/DELETE work on people/{p}/plan_people/{id} and on plans/{plan}/team_members/{id}; "
    "documented-only: the team_members/{id} path is a Rails HTML route 404 for PATCH/DELETE [G, "
    "part 3 #10]; "
    "team-members-only: the other way round (the documented path is the HTML 404)",
)
DECLINED = Reading(
    "pco.declined",
    ("with-declined", "hidden", "shown"),
    "with-declined: a person's schedules list hides declined ones unless filter=with_declined, "
    "plan_people shows "
    "them; hidden: declined vanish from schedules (even with with_declined; filter=all shows "
    "confirmed only) and "
    "from people/{p}/plan_people; shown: every list shows them. A plan's team_members and a single "
    "GET always "
    "show them [3P ISSUE#1121, #1361, #1464]",
)
RESPOND_OTHERS = Reading(
    "pco.respond_others",
    ("allowed", "forbidden"),
    "allowed: the credentials (an administrator's) may accept/decline anyone's schedule; "
    "forbidden: only their "
    "own person's (111), another person's answers 403 [G, part 3 #15]",
)
SORT_DATE = Reading(
    "pco.sort_date",
    ("utc", "local"),
    "utc: a plan's (and a schedule's) sort_date is the instant in UTC; local: it is the "
    "organization's "
    "wall-clock time with a Z suffix, as ISSUE#987 reports (the docs list sort_date among the "
    "fields in the "
    "organization's time zone) [part 3 #23]",
)
ORG_TIME_ZONE = Reading(
    "pco.org_time_zone",
    ("present", "absent"),
    "present: GET /services/v2 (the organization) carries time_zone America/New_York [3P "
    "ISSUE#575, #1127]; "
    "absent: it carries none (a client then reads plan dates in UTC) [part 3 #23]",
)
DELETED_DECLINED = Reading(
    "pco.deleted_declined",
    ("gone", "listed"),
    "gone: a deleted team member leaves every list; listed: a DELETE of a declined member answers "
    "204 and its "
    "URLs answer 404, but a plan's team_members still lists it (a 'ghost') unless "
    "filter=not_deleted hides "
    "it [3P ISSUE#663, part 3 #19]",
)
NOT_DELETED_FILTER = Reading(
    "pco.not_deleted_filter",
    ("supported", "ignored", "refused"),
    "supported: team_members takes filter=not_deleted (ghosts left out) and names it in "
    "meta.can_filter; "
    "ignored: the filter is silently ignored and missing from meta.can_filter (as PCO does with "
    "filters an "
    "endpoint does not define, ISSUE#1439); refused: the filter is answered 400 [part 3 #19]",
)
PARTIAL_REFUSED = Reading(
    "pco.partial_refused",
    ("refused", "ignored"),
    "what the accept action does with declined_plan_times on a schedule whose can_accept_partial "
    "is false: "
    "refused: a 422; ignored: every time is accepted and the list dropped [G, part 3 #20]",
)
MEMBER_WRITES = Reading(
    "pco.member_writes",
    ("allowed", "forbidden"),
    "allowed: the credentials may create, change and delete team members (a scheduler's); "
    "forbidden: each of "
    "those writes answers 403, as for a volunteer's own token (answering a hidden schedule PATCHes "
    "the team "
    "member's status) [G, part 3 #21]",
)
READ_OTHERS = Reading(
    "pco.read_others",
    ("allowed", "forbidden"),
    "allowed: the credentials read anyone's schedules and plan_people; forbidden: only their own "
    "person's "
    "(111): another person's answer 403, as an Editor reported for plan_people [3P ISSUE#336, part "
    "3 #21]",
)
BLOCKOUT_TIMES = Reading(
    "pco.blockout_times",
    ("utc", "local"),
    "utc: a blockout's starts_at/ends_at are instants in UTC; local: they are the wall-clock times "
    "in the "
    "blockout's time_zone (the organization's, America/New_York) with a Z suffix, as sort_date is "
    "(ISSUE#987) "
    "and as a BlockoutDate's starts_at is beside its starts_at_utc [G, open point 22]",
)
READINGS = (
    MEMBER_CREATE,
    MEMBER_PATH,
    DECLINED,
    RESPOND_OTHERS,
    SORT_DATE,
    ORG_TIME_ZONE,
    DELETED_DECLINED,
    NOT_DELETED_FILTER,
    PARTIAL_REFUSED,
    MEMBER_WRITES,
    READ_OTHERS,
    BLOCKOUT_TIMES,
)
