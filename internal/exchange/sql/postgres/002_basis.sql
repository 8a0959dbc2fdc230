-- Every channel has a basis: a grant (grant_id) or an aggregation mandate
-- (mandate_id, 归集任务). Channels created before the rule without a grant
-- are paused with the reason "no basis"; they do not run again until a
-- grant or a mandate creates them anew.
ALTER TABLE exchange_channels ADD COLUMN mandate_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX exchange_channels_mandate ON exchange_channels (mandate_id);
UPDATE exchange_channels SET state = 'paused', running = 0,
	reason = 'no basis: created without a grant or an aggregation mandate (无共享授权或归集任务依据)'
	WHERE grant_id = 0 AND state <> 'revoked';
