-- mart_organ_schedule — each organ's tier (and why), its last inspection and its next check due:
-- the earliest due date among its checks not yet achieved (mart_check_events): the routine check
-- after its last inspection, the first check of a project never inspected, a follow-up after a
-- serious incident at the organ or of a vendor it uses. Days overdue depend on "today" and are
-- worked out by the query layer (today − next_due_on). Why it is due: due_reason in Chinese and
-- due_reason_en in English, composed side by side (dates as 2025年3月1日 in Chinese, parts/date_zh.sql;
-- in ISO form in English).
-- Grain: one row per organ.
-- Refresh: the organs in scope.
DELETE FROM mart_organ_schedule WHERE organ_key IN (SELECT organ_key FROM _scope_organs);

INSERT INTO mart_organ_schedule BY NAME
WITH pending AS (
    SELECT * FROM mart_check_events
    WHERE (achieved_on IS NULL OR achieved_on > $today) AND organ_key IN (SELECT organ_key FROM _scope_organs)
),
by_kind AS (
    SELECT organ_code,
           min(due_on) FILTER (WHERE event_kind = 'routine') AS tier_due_on,
           min(due_on) FILTER (WHERE event_kind = 'new_project') AS project_due_on,
           arg_min(source_code, (due_on, source_code)) FILTER (WHERE event_kind = 'new_project') AS project_due_code,
           min(due_on) FILTER (WHERE event_kind = 'incident_followup') AS followup_due_on,
           arg_min(source_code, (due_on, source_code)) FILTER (WHERE event_kind = 'incident_followup')
               AS followup_incident_code,
           -- the check that sets the next due date; on a tie a follow-up, then a new project, explains it
           arg_min({'kind': event_kind, 'code': source_code, 'source_on': source_on, 'due_on': due_on},
                   (due_on, CASE event_kind WHEN 'incident_followup' THEN 1 WHEN 'new_project' THEN 2 ELSE 3 END,
                    source_code)) AS next_event
    FROM pending
    GROUP BY organ_code
)
SELECT o.organ_code, md5_number_lower(o.organ_code) AS organ_key, o.organ_name, o.region_code, o.admin_level,
       t.tier, t.tier_reason, t.tier_reason_en, t.tier_rules,
       f.inspections, f.last_inspection_code, f.last_inspected_on, f.last_grade,
       t.interval_months,
       k.tier_due_on, k.project_due_on, k.project_due_code, k.followup_due_on, k.followup_incident_code,
       k.next_event.due_on AS next_due_on,
       k.next_event.kind AS due_source,
       CASE k.next_event.kind
           WHEN 'routine' THEN printf('%s级（%s）每%d个月检查一次；上次检查%s（%s）',
                                      t.tier, CASE t.tier WHEN 'A' THEN '低' WHEN 'B' THEN '一般'
                                                          WHEN 'C' THEN '较高' ELSE '高' END,
                                      t.interval_months, {{ parts/date_zh.sql | day: k.next_event.source_on }}, k.next_event.code)
           WHEN 'new_project' THEN printf('项目%s于%s开始，尚未检查，应在开始后%d日内检查',
                                          k.next_event.code, {{ parts/date_zh.sql | day: k.next_event.source_on }}, $new_project_due_days)
           WHEN 'incident_followup' THEN printf('%s发生%s及以上事件%s（%s报告），应在%d日内复查',
                                                CASE WHEN own.incident_code IS NOT NULL THEN '本机关' ELSE '所用服务机构' END,
                                                $followup_severity, k.next_event.code, {{ parts/date_zh.sql | day: k.next_event.source_on }}, $followup_days)
           ELSE '从未检查且无外包项目，暂无应检'
       END AS due_reason,
       CASE k.next_event.kind
           WHEN 'routine' THEN printf('Tier %s (%s): checked every %d months; last inspected %s (%s)',
                                      t.tier, CASE t.tier WHEN 'A' THEN 'low' WHEN 'B' THEN 'moderate'
                                                          WHEN 'C' THEN 'elevated' ELSE 'high' END,
                                      t.interval_months, k.next_event.source_on::VARCHAR, k.next_event.code)
           WHEN 'new_project' THEN printf('Project %s started %s and has not been inspected; due within %d days of its start',
                                          k.next_event.code, k.next_event.source_on::VARCHAR, $new_project_due_days)
           WHEN 'incident_followup' THEN printf('Incident %s (%s or worse) %s, reported %s; follow-up due within %d days',
                                                k.next_event.code, $followup_severity_en,
                                                CASE WHEN own.incident_code IS NOT NULL THEN 'at this organ'
                                                     ELSE 'at a vendor it uses' END,
                                                k.next_event.source_on::VARCHAR, $followup_days)
           ELSE 'Never inspected and no outsourcing project: nothing due yet'
       END AS due_reason_en,
       f.projects, f.active_projects, f.service_types, f.vendor_codes,
       $today AS as_of
FROM (SELECT * FROM organs WHERE organ_code IN (SELECT organ_code FROM _scope_organs)) o
JOIN _organ_tiers t USING (organ_code)
JOIN mart_entity_facts f ON f.entity_kind = 'organ' AND f.entity_code = o.organ_code
LEFT JOIN by_kind k USING (organ_code)
-- the incident behind a follow-up happened at the organ itself (else at another organ of its vendor):
-- the incidents of the organs in scope chosen first (not every incident joined to the schedule)
LEFT JOIN (SELECT incident_code, organ_code FROM mart_incidents
           WHERE organ_code IN (SELECT organ_code FROM _scope_organs)) own
       ON own.incident_code = k.next_event.code AND own.organ_code = o.organ_code;
