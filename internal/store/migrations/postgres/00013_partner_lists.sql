-- +goose Up
-- A partner's motions and list values (regions, verticals, territories, named
-- accounts, tags) also kept on its row, so that reading partners (pages, segments)
-- needs no join; partner_motions and partner_values stay for filtering by index.
-- Encoding: one group per field, the field name then its values in order, values
-- separated by the unit separator (31) and groups by the record separator (30).
ALTER TABLE partners ADD COLUMN lists TEXT NOT NULL DEFAULT '';
-- The fit breakdown is no longer stored (it is worked out from the inputs and the
-- criteria when a partner is shown); fit_score stays.
UPDATE partners SET fit_result = '';
UPDATE partners p SET lists = COALESCE((
    SELECT string_agg(line, chr(30)) FROM (
        SELECT 'motion' || chr(31) || string_agg(motion, chr(31) ORDER BY motion) AS line
            FROM partner_motions m WHERE m.workspace_id = p.workspace_id AND m.partner_id = p.id
            HAVING count(*) > 0
        UNION ALL
        SELECT field || chr(31) || string_agg(value, chr(31) ORDER BY position) AS line
            FROM partner_values v WHERE v.workspace_id = p.workspace_id AND v.partner_id = p.id
            GROUP BY field
    ) x), '');

-- +goose Down
ALTER TABLE partners DROP COLUMN lists;
