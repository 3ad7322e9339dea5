-- bench/outcomes.sql - the outcomes dashboard's figures (docs/metrics.md) as
-- plain GROUP BY queries over the raw tables, the reference bench/outcomes.mjs
-- times in the sqlite3 shell against GET /api/v1/outcomes for the same
-- filter. One statement per figure; nothing is precomputed except the age
-- at recovery, read from referral_fact.age because dates of birth are
-- encrypted. Only the schema's own indexes are used.
--
-- bench/outcomes.mjs replaces, per filter (the values are its own numbers
-- and dates, never input):
--   {from_ms} {to_ms}     the period as instants: county midnight of the
--                         first day, county midnight after the last day
--   {from_day} {to_day}   the period as county dates (arrest dates)
--   {R}                   the referral filter: AND r.station_id IN (...)
--                         AND r.identifying_agency_id IN (...) AND
--                         r.lead_agency_id IN (...), or nothing
--   {A}                   the arrest filter (arresting station, its agency)
--   {S}                   the same for the station list of before/since
-- Run with TZ set to the county's zone ('localtime' is the county's).

-- headline: recoveries, unique individuals, average age at recovery
SELECT COUNT(*), COUNT(DISTINCT r.youth_id), AVG(f.age)
FROM referral r JOIN referral_fact f ON f.referral_id = r.id
WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R};

-- age at recovery
SELECT f.age, COUNT(*)
FROM referral r JOIN referral_fact f ON f.referral_id = r.id
WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R}
GROUP BY f.age;

-- identification by agency
SELECT r.identifying_agency_id, COUNT(*) FROM referral r
WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R}
GROUP BY r.identifying_agency_id;

-- identification by station
SELECT r.station_id, COUNT(*) FROM referral r
WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R}
GROUP BY r.station_id;

-- initial MDT decision
SELECT r.initial_decision, COUNT(*) FROM referral r
WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R}
GROUP BY r.initial_decision;

-- juvenile hall reason (the MDT that decided on juvenile hall)
SELECT m.juvenile_hall_reason, COUNT(*)
FROM referral r JOIN mdt_meeting m ON m.referral_id = r.id AND m.decision = 'juvenile_hall'
WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R}
  AND r.initial_decision = 'juvenile_hall'
GROUP BY m.juvenile_hall_reason;

-- 72-hour status
SELECT r.status_72h, COUNT(*) FROM referral r
WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R}
GROUP BY r.status_72h;

-- where are the youth now: each youth once, from their latest recovery
SELECT whereabouts, COUNT(*) FROM (
  SELECT r.whereabouts, ROW_NUMBER() OVER (PARTITION BY r.youth_id
                                           ORDER BY r.encountered_at DESC, r.id DESC) AS k
  FROM referral r
  WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R})
WHERE k = 1 GROUP BY whereabouts;

-- response-time compliance: each clock's last run per referral
WITH c AS (
  SELECT d.kind, d.state, d.due_at, d.met_at, d.stopped_at,
         ROW_NUMBER() OVER (PARTITION BY d.referral_id, d.kind ORDER BY d.id DESC) AS k
  FROM referral r JOIN deadline d ON d.referral_id = r.id
  WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R}
    AND d.kind IN ('lead_response', 'advocate_response', 'medical_hub', 'status_72h'))
SELECT kind,
       SUM(state = 'met' AND met_at <= due_at),
       SUM(state = 'met' AND met_at > due_at),
       SUM(state = 'missed' OR (state = 'stopped' AND stopped_at > due_at)),
       SUM(state = 'running' OR (state = 'stopped' AND stopped_at <= due_at)),
       COUNT(*)
FROM c WHERE k = 1 GROUP BY kind;

-- median minutes from a clock's start to its being met
WITH c AS (
  SELECT d.kind, d.state, (d.met_at - d.started_at + 30000) / 60000 AS minutes,
         ROW_NUMBER() OVER (PARTITION BY d.referral_id, d.kind ORDER BY d.id DESC) AS k
  FROM referral r JOIN deadline d ON d.referral_id = r.id
  WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R}
    AND d.kind IN ('lead_response', 'advocate_response', 'medical_hub', 'status_72h')),
o AS (
  SELECT kind, minutes, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY minutes) AS i,
         COUNT(*) OVER (PARTITION BY kind) AS n
  FROM c WHERE k = 1 AND state = 'met')
SELECT kind, AVG(minutes) FROM o WHERE i IN ((n + 1) / 2, (n + 2) / 2) GROUP BY kind;

-- repeat recoveries: a recovery of a youth recovered before (ever)
SELECT COUNT(*) FROM referral r
WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R}
  AND EXISTS (SELECT 1 FROM referral p WHERE p.youth_id = r.youth_id
              AND (p.encountered_at < r.encountered_at
                   OR (p.encountered_at = r.encountered_at AND p.id < r.id)));

-- recoveries by month
SELECT strftime('%Y-%m', r.encountered_at / 1000, 'unixepoch', 'localtime'), COUNT(*)
FROM referral r
WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R}
GROUP BY 1;

-- arrests of minors for prostitution and related charges by station and year
SELECT a.station_id, substr(a.arrested_on, 1, 4), COUNT(*) FROM arrest a
WHERE a.arrested_on BETWEEN '{from_day}' AND '{to_day}' AND a.age_at_arrest < 18
  AND (a.charge_code LIKE 'PC 647(b)%' OR a.charge_code LIKE 'PC 653.22%'
       OR a.charge_code LIKE 'PC 653.23%') {A}
GROUP BY 1, 2;

-- the same arrests before and since each station's go-live (equal windows)
SELECT s.id, s.go_live_date,
  (SELECT COUNT(*) FROM arrest a WHERE a.station_id = s.id AND a.age_at_arrest < 18
     AND (a.charge_code LIKE 'PC 647(b)%' OR a.charge_code LIKE 'PC 653.22%'
          OR a.charge_code LIKE 'PC 653.23%')
     AND a.arrested_on >= s.go_live_date AND a.arrested_on <= '{to_day}'),
  (SELECT COUNT(*) FROM arrest a WHERE a.station_id = s.id AND a.age_at_arrest < 18
     AND (a.charge_code LIKE 'PC 647(b)%' OR a.charge_code LIKE 'PC 653.22%'
          OR a.charge_code LIKE 'PC 653.23%')
     AND a.arrested_on < s.go_live_date
     AND a.arrested_on >= date(s.go_live_date, '-' || CAST(julianday('{to_day}')
                                 - julianday(s.go_live_date) + 1 AS INT) || ' days'))
FROM station s WHERE s.go_live_date IS NOT NULL AND s.go_live_date <= '{to_day}' {S};

-- charges the period's unique individuals were arrested for while minors,
-- up to the period's end, at any station: arrests and youth per charge
SELECT a.charge_code, COUNT(*), COUNT(DISTINCT a.youth_id) FROM arrest a
WHERE a.youth_id IN (SELECT r.youth_id FROM referral r
                     WHERE r.encountered_at >= {from_ms} AND r.encountered_at < {to_ms} {R})
  AND a.arrested_on <= '{to_day}' AND a.age_at_arrest < 18
GROUP BY a.charge_code ORDER BY 3 DESC;
