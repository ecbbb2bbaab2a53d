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
UPDATE partners SET lists = COALESCE((
    SELECT group_concat(line, char(30)) FROM (
        SELECT 'motion' || char(31) || group_concat(motion, char(31)) AS line
            FROM (SELECT motion FROM partner_motions m WHERE m.workspace_id = partners.workspace_id AND m.partner_id = partners.id ORDER BY motion)
            HAVING count(*) > 0
        UNION ALL
        SELECT field || char(31) || group_concat(value, char(31)) AS line
            FROM (SELECT field, value FROM partner_values v WHERE v.workspace_id = partners.workspace_id AND v.partner_id = partners.id ORDER BY field, position)
            GROUP BY field
    )), '');

-- +goose Down
ALTER TABLE partners DROP COLUMN lists;
