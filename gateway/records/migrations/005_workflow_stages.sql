-- Applications pass review stages (gateway/platform/records.ts: `stage`, `stages`, `escalationReason`;
-- issue 16). An application written before had exactly one stage, the provider's, counted from its
-- submission, with the deadline and the decision it already holds: each is given that stage here, so
-- every application reads back in one shape and the code keeps no second reading of the old one.
UPDATE govshare.records
SET data = data || jsonb_build_object(
  'stage', CASE WHEN data->>'status' = 'PENDING' THEN 'PROVIDER_REVIEW' ELSE 'DECIDED' END,
  'escalationReason', NULL,
  'stages', jsonb_build_array(jsonb_build_object(
    'name', 'PROVIDER_REVIEW',
    'holder', data->'provider',
    'startedAt', data->'submittedAt',
    'deadline', data->'deadline',
    'decidedAt', data->'decidedAt',
    'decidedBy', data->'decidedBy',
    'decision', CASE WHEN data->>'status' = 'PENDING' THEN NULL ELSE data->'status' END,
    'reason', data->'reason',
    'extendedBy', NULL,
    'extensionReason', NULL,
    'extendedAt', NULL)))
WHERE kind = 'applications' AND NOT data ? 'stages';
