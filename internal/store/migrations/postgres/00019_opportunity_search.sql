-- +goose Up
-- Searching opportunities by part of the name (ILIKE '%…%') reads names in id order
-- until a page is found, which for a rare term means most of the table. A trigram
-- index finds the few matching rows directly. pg_trgm is a trusted extension (any
-- database owner may create it); it goes into public so every schema of the database
-- shares it. A GIN trigram index cannot lead with workspace_id; the workspace filter
-- is applied to the rows it finds.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX opportunities_by_name_trgm ON opportunities USING gin (name public.gin_trgm_ops);

-- +goose Down
DROP INDEX opportunities_by_name_trgm;
