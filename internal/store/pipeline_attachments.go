package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/tandem"
)

const attachmentColumns = `id, opportunity_id, kind, name, url, content_type, size_bytes, sha256, visibility,
	author_id, author_name, author_side, partner_id, created_at`

func scanAttachment(sc interface{ Scan(...any) error }, workspaceID string) (pipeline.Attachment, error) {
	a := pipeline.Attachment{WorkspaceID: workspaceID}
	var vis string
	var c int64
	err := sc.Scan(&a.ID, &a.OpportunityID, &a.Kind, &a.Name, &a.URL, &a.ContentType, &a.Size, &a.SHA256, &vis,
		&a.AuthorID, &a.AuthorName, &a.AuthorSide, &a.PartnerID, &c)
	a.Visibility, a.CreatedAt = pipeline.Visibility(vis), fromMS(c)
	return a, err
}

// ListAttachments implements pipeline.Store.
func (s Pipeline) ListAttachments(ctx context.Context, workspaceID, opportunityID string, f pipeline.AttachmentFilter) ([]pipeline.Attachment, error) {
	w := sharedOn(workspaceID, opportunityID, f)
	rows, err := s.DB.read.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM opportunity_attachments WHERE `+w.sql()+
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, pipeline.MaxAttachments), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Attachment
	for rows.Next() {
		a, err := scanAttachment(rows, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("list attachments: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AttachmentByID implements pipeline.Store.
func (s Pipeline) AttachmentByID(ctx context.Context, workspaceID, opportunityID, id string) (pipeline.Attachment, error) {
	a, err := scanAttachment(s.DB.read.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM opportunity_attachments
		WHERE workspace_id = $1 AND opportunity_id = $2 AND id = $3`, workspaceID, opportunityID, id), workspaceID)
	if err != nil {
		return pipeline.Attachment{}, notFound(err, "That attachment")
	}
	return a, nil
}

// AttachmentContent implements pipeline.Store.
func (s Pipeline) AttachmentContent(ctx context.Context, workspaceID, id string) ([]byte, error) {
	var b []byte
	err := s.DB.read.QueryRowContext(ctx, `SELECT content FROM opportunity_attachment_content WHERE workspace_id = $1 AND attachment_id = $2`,
		workspaceID, id).Scan(&b)
	if err != nil {
		return nil, notFound(err, "That file")
	}
	return b, nil
}

// AttachedKinds implements pipeline.Store.
func (s Pipeline) AttachedKinds(ctx context.Context, workspaceID, opportunityID string) ([]string, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT DISTINCT kind FROM opportunity_attachments WHERE workspace_id = $1 AND opportunity_id = $2`,
		workspaceID, opportunityID)
	if err != nil {
		return nil, fmt.Errorf("attachment kinds: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("attachment kinds: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// SaveAttachment implements pipeline.Store: the opportunity is locked (on
// PostgreSQL) while its attachments are counted, so concurrent uploads cannot pass
// the limit together.
func (s Pipeline) SaveAttachment(ctx context.Context, w pipeline.AttachmentWrite) error {
	a := w.Attachment
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM opportunities WHERE workspace_id = $1 AND id = $2`+s.DB.dialect.forUpdate(),
			a.WorkspaceID, a.OpportunityID).Scan(&id)
		if err != nil {
			return notFound(err, "That opportunity")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunity_attachments WHERE workspace_id = $1 AND opportunity_id = $2`,
			a.WorkspaceID, a.OpportunityID).Scan(&n); err != nil {
			return fmt.Errorf("count attachments: %w", err)
		}
		if n >= pipeline.MaxAttachments {
			return tandem.Errorf(tandem.KindConflict, "This opportunity already holds %d attachments, the most it may; remove one first.", n)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_attachments (workspace_id, id, opportunity_id, kind, name, url,
			content_type, size_bytes, sha256, visibility, author_id, author_name, author_side, partner_id, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
			a.WorkspaceID, a.ID, a.OpportunityID, a.Kind, a.Name, a.URL, a.ContentType, a.Size, a.SHA256, string(a.Visibility),
			a.AuthorID, a.AuthorName, a.AuthorSide, a.PartnerID, ms(a.CreatedAt)); err != nil {
			return conflictOr(fmt.Errorf("save attachment: %w", err), "an attachment with this id already exists")
		}
		if w.Content != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_attachment_content (workspace_id, attachment_id, content) VALUES ($1, $2, $3)`,
				a.WorkspaceID, a.ID, w.Content); err != nil {
				return fmt.Errorf("save attachment content: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET last_activity_at = $3 WHERE workspace_id = $1 AND id = $2`,
			a.WorkspaceID, a.OpportunityID, ms(w.LastActivityAt)); err != nil {
			return fmt.Errorf("save attachment: %w", err)
		}
		return insertAudit(ctx, tx, w.Audit)
	})
}

// RemoveAttachment implements pipeline.Store.
func (s Pipeline) RemoveAttachment(ctx context.Context, r pipeline.AttachmentRemoval) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM opportunity_attachment_content WHERE workspace_id = $1 AND attachment_id = $2`,
			r.WorkspaceID, r.AttachmentID); err != nil {
			return fmt.Errorf("remove attachment content: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM opportunity_attachments WHERE workspace_id = $1 AND opportunity_id = $2 AND id = $3`,
			r.WorkspaceID, r.OpportunityID, r.AttachmentID)
		if err != nil {
			return fmt.Errorf("remove attachment: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return tandem.Errorf(tandem.KindNotFound, "That attachment does not exist (it may have been removed already).")
		}
		return insertAudit(ctx, tx, r.Audit)
	})
}
