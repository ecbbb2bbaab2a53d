package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/tandemprm/tandem/internal/api"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/integrations/email"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/platform/config"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/web"
)

// renderer adapts the email templates to outbox.Renderer: services describe a message
// with a map of the template's fields, converted here into its typed data.
type renderer struct{}

func (renderer) Render(name string, data any) (string, string, string, error) {
	decode, ok := templateData[name]
	if !ok {
		return "", "", "", fmt.Errorf("no email template %q", name)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return "", "", "", err
	}
	typed, err := decode(raw)
	if err != nil {
		return "", "", "", fmt.Errorf("email data for %s: %w", name, err)
	}
	return email.Render(name, typed)
}

// templateData turns a template's fields, as JSON, into its typed data.
var templateData = map[string]func([]byte) (any, error){
	email.TemplateSignin:                   decodeAs[email.SigninData],
	email.TemplateInvitation:               decodeAs[email.InvitationData],
	email.TemplateRegistrationConfirmation: decodeAs[email.RegistrationConfirmationData],
	email.TemplateRegistrationUpdate:       decodeAs[email.RegistrationUpdateData],
	email.TemplateNotice:                   decodeAs[email.NoticeData],
}

func decodeAs[T any](raw []byte) (any, error) {
	var d T
	err := json.Unmarshal(raw, &d)
	return d, err
}

// smtpDeliverer sends queued messages through an SMTP server.
type smtpDeliverer struct{ sender email.Sender }

func (d smtpDeliverer) Deliver(ctx context.Context, m outbox.Message) error {
	return d.sender.Send(ctx, email.Message{
		To:             []email.Address{{Name: m.ToName, Email: m.To}},
		Subject:        m.Subject,
		Text:           m.Text,
		HTML:           m.HTML,
		IdempotencyKey: m.ID,
	})
}

func (smtpDeliverer) Permanent(err error) bool { return email.IsPermanent(err) }

// newDeliverer returns the SMTP deliverer when a server is configured, or the one that
// keeps messages on the outbox page. A bad SMTP setting stops start-up.
func newDeliverer(c config.SMTP, logger *slog.Logger) (Deliverer, bool, error) {
	if c.Host == "" && c.Username == "" && c.Password == "" {
		return holdDeliverer{log: logger}, false, nil
	}
	tlsMode, err := email.ParseTLSMode(c.TLS)
	if err != nil {
		return nil, false, fmt.Errorf("--smtp-tls: %w", err)
	}
	cfg := email.Config{Host: c.Host, Port: c.Port, Username: c.Username, Password: c.Password, TLS: tlsMode, From: c.From}
	s, err := email.NewSMTPSender(cfg, email.WithLogger(logger))
	if err != nil {
		return nil, false, fmt.Errorf("SMTP settings: %w", err)
	}
	return smtpDeliverer{sender: s}, true, nil
}

// authenticator identifies an API caller by bearer token or, for the browser, by the
// session cookie.
func authenticator(ids *identity.Service) api.Authenticator {
	return func(r *http.Request) (api.Principal, error) {
		if h := r.Header.Get("Authorization"); h != "" {
			a, err := ids.AuthenticateToken(r.Context(), h)
			if err != nil {
				return api.Principal{}, err
			}
			return api.Principal{Actor: a, Name: "API token " + a.TokenID}, nil
		}
		if c, err := r.Cookie(web.SessionCookie); err == nil {
			if u, _, err := ids.Authenticate(r.Context(), c.Value); err == nil {
				return api.Principal{Actor: u.Actor(), Name: u.DisplayName()}, nil
			}
		}
		return api.DenyAll(r)
	}
}

// partnerInviter invites partner contacts to the portal through the identity
// service's invitation (the same emailed sign-in link as any invitation).
type partnerInviter struct{ ids *identity.Service }

func (p partnerInviter) InvitePartnerUser(ctx context.Context, actor policy.Actor, actorName, email, name string, role tandem.Role, partnerID string) error {
	_, err := p.ids.Invite(ctx, actor, actorName, identity.Invitation{Email: email, Name: name, Role: role, PartnerID: partnerID})
	return err
}
