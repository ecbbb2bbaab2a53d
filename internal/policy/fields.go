package policy

import (
	"reflect"
	"slices"
	"strings"
	"time"
)

// fieldSet is an allow-list of field names. A nil value marks a plain field (a
// string, number, boolean, time, or a list of those); a non-nil value marks a nested
// object, or list of objects, whose own fields are limited to that set.
type fieldSet map[string]fieldSet

// Nested allow-lists shared by several kinds.
var (
	noteFields = fieldSet{
		"id": nil, "body": nil, "author_name": nil, "author_side": nil, "created_at": nil,
	}
	mapItemFields = fieldSet{
		"id": nil, "title": nil, "owner_name": nil, "owner_side": nil, "due_on": nil,
		"status": nil, "done_at": nil, "version": nil,
	}
	// Documents on an opportunity: what it is and who shared it, and the file's
	// type and size or the link; never its checksum, nor who else can see it.
	attachmentFields = fieldSet{
		"id": nil, "kind": nil, "name": nil, "url": nil, "content_type": nil, "size": nil,
		"author_name": nil, "author_side": nil, "created_at": nil,
	}
	payoutLineFields = fieldSet{
		"opportunity_name": nil, "credit": nil, "rate": nil, "amount": nil, "closed_on": nil,
	}
)

// safeFields lists, per kind, the only fields a partner actor may receive. Kinds that
// are absent have no partner-safe fields at all. Deliberately missing everywhere:
// pricing, discounts, amounts and amount bands of the vendor's deals, internal
// notes, match candidates and conflict details (they name other partners and
// accounts), scores, tags and internal owners' contact details beyond the named
// partner manager.
var safeFields = map[Kind]fieldSet{
	PartnerUsers: {
		"id": nil, "name": nil, "email": nil, "role": nil, "status": nil,
		"created_at": nil, "last_active_at": nil,
		// The organisation's contacts: the partner's own people.
		"partner_id": nil, "phone": nil, "title": nil, "portal_status": nil, "updated_at": nil, "version": nil,
	},
	PartnerProfile: {
		"id": nil, "name": nil, "website": nil, "description": nil, "logo_url": nil,
		"motions": nil, "tier": nil, "regions": nil, "verticals": nil, "lifecycle_stage": nil,
		"partner_manager_name": nil, "partner_manager_email": nil,
		"created_at": nil, "updated_at": nil,
		// The organisation's own certifications: never the evidence, who recorded
		// them or why one was revoked.
		"certifications": {"id": nil, "key": nil, "name": nil, "holder_name": nil, "earned_on": nil, "expires_on": nil, "status": nil},
	},
	Registrations: {
		"id": nil, "reference": nil, "status": nil, "motion": nil,
		"customer_name": nil, "customer_domain": nil, "customer_country": nil,
		"contact_name": nil, "contact_email": nil,
		"deal_size": nil, "currency": nil, "expected_close_on": nil, "description": nil,
		"submitted_by_name": nil, "submitted_at": nil, "decided_at": nil,
		"partner_message": nil, "protection_expires_at": nil, "opportunity_id": nil,
		"updated_at": nil, "partner_notes": noteFields,
		// The partner's own answers to the workspace's registration questions.
		"custom_fields": {"key": nil, "label": nil, "value": nil},
	},
	Opportunities: {
		"id": nil, "name": nil, "account_name": nil, "motion": nil, "stage": nil,
		"owner_name": nil, "next_step": nil, "protection_expires_at": nil,
		"registration_id": nil, "updated_at": nil,
		// Whether it is new business, a renewal or an expansion.
		"kind":          nil,
		"partner_notes": noteFields, "map_items": mapItemFields,
		"attachments": attachmentFields,
	},
	Attribution: {
		"opportunity_id": nil, "partner_id": nil, "credit": nil, "share_percent": nil,
		"updated_at": nil,
	},
	PartnerNotes: noteFields,
	PlanItems:    mapItemFields,
	Announcements: {
		"id": nil, "title": nil, "body": nil, "published_at": nil,
		"requires_acknowledgement": nil, "acknowledge_by": nil, "acknowledged_at": nil,
	},
	Content: {
		"id": nil, "title": nil, "description": nil, "asset_type": nil, "url": nil,
		"motions": nil, "industries": nil, "use_cases": nil, "roles": nil,
		"version": nil, "updated_at": nil,
	},
	Payouts: {
		"id": nil, "period_start_on": nil, "period_end_on": nil, "currency": nil,
		"amount": nil, "status": nil, "scheduled_on": nil, "paid_at": nil,
		"lines": payoutLineFields,
	},
	APITokens: {
		"id": nil, "name": nil, "public_id": nil, "role": nil, "scopes": nil,
		"created_at": nil, "last_used_at": nil, "expires_at": nil, "revoked_at": nil,
	},
}

// SafeFields returns the fields of kind a partner actor may receive, sorted, with
// nested fields written as "parent.child" (e.g. "map_items.due_on"). It returns nil
// for kinds partners never see.
func SafeFields(kind Kind) []string {
	var out []string
	var walk func(prefix string, fs fieldSet)
	walk = func(prefix string, fs fieldSet) {
		for name, sub := range fs {
			out = append(out, prefix+name)
			if sub != nil {
				walk(prefix+name+".", sub)
			}
		}
	}
	walk("", safeFields[kind])
	slices.Sort(out)
	return out
}

// Redact returns a new map holding only the fields of m that a partner actor may
// receive for kind; m is not modified. A field survives only if it is on the kind's
// allow-list and its value has the expected shape: plain fields keep plain values
// (strings, numbers, booleans, times, pointers to those, lists of those) and drop
// anything structured; nested fields keep a map[string]any or a list of them, each
// redacted in turn, and drop anything else. For kinds with no partner-safe fields
// the result is empty.
//
// Redact does not filter the rows inside nested lists: a service building an
// opportunity for partner P must already have limited its shared notes and plan
// items to those of P.
func Redact(kind Kind, m map[string]any) map[string]any {
	return redact(safeFields[kind], m)
}

func redact(fs fieldSet, m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for name, v := range m {
		sub, ok := fs[name]
		if !ok {
			continue
		}
		if sub == nil {
			if plainValue(reflect.ValueOf(v)) {
				out[name] = v
			}
			continue
		}
		switch x := v.(type) {
		case nil:
			out[name] = nil
		case map[string]any:
			out[name] = redact(sub, x)
		case []map[string]any:
			list := make([]any, 0, len(x))
			for _, item := range x {
				list = append(list, redact(sub, item))
			}
			out[name] = list
		case []any:
			list := make([]any, 0, len(x))
			for _, item := range x {
				if im, ok := item.(map[string]any); ok {
					list = append(list, redact(sub, im))
				}
			}
			out[name] = list
		}
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// plainValue reports whether v holds a plain value: nil, a boolean, number, string
// or time, a pointer to one, or a slice or array of them. Byte slices are not plain:
// a json.RawMessage could carry a whole object past the allow-list.
func plainValue(v reflect.Value) bool {
	if !v.IsValid() {
		return true
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return true
		}
		return plainValue(v.Elem())
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return false // raw bytes (json.RawMessage among them) can hide anything
		}
		for i := range v.Len() {
			if !plainValue(v.Index(i)) {
				return false
			}
		}
		return true
	}
	return plainType(v.Type())
}

func plainType(t reflect.Type) bool {
	if t == timeType {
		return true
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	case reflect.Slice, reflect.Array:
		return t.Elem().Kind() != reflect.Uint8 && plainType(t.Elem())
	case reflect.Pointer:
		return plainType(t.Elem())
	}
	return false
}

// UnsafeFields checks a struct type meant for partner-facing output against kind's
// allow-list and returns the paths of the fields it would expose that are not
// allowed (nil when it is safe). v is a value of the struct type or a pointer to it;
// field names are taken as encoding/json would (the json tag name, or the Go name
// when untagged; fields tagged "-" and unexported fields are skipped; embedded
// structs are flattened). A field on the allow-list as plain must have a plain type
// (time.Time counts as plain), and a nested one must be a struct, or a slice of
// structs, which is checked in turn.
//
// This is the documented way to use typed views: declare one struct per
// partner-facing response and pin it with a test that UnsafeFields returns nil, so a
// field added later cannot leak without changing the allow-list here.
func UnsafeFields(kind Kind, v any) []string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return []string{"(not a struct)"}
	}
	var bad []string
	checkStruct(safeFields[kind], t, "", &bad)
	slices.Sort(bad)
	return bad
}

func checkStruct(fs fieldSet, t reflect.Type, prefix string, bad *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, skip := jsonName(f)
		if skip {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				checkStruct(fs, ft, prefix, bad)
				continue
			}
			name = f.Name
		}
		if name == "" {
			name = f.Name
		}
		sub, ok := fs[name]
		switch {
		case !ok:
			*bad = append(*bad, prefix+name)
		case sub == nil:
			if !plainType(f.Type) {
				*bad = append(*bad, prefix+name+" (structured value in a plain field)")
			}
		default:
			et := f.Type
			for et.Kind() == reflect.Pointer || et.Kind() == reflect.Slice || et.Kind() == reflect.Array {
				et = et.Elem()
			}
			if et.Kind() != reflect.Struct || et == timeType {
				*bad = append(*bad, prefix+name+" (plain value in a nested field)")
				continue
			}
			checkStruct(sub, et, prefix+name+".", bad)
		}
	}
}

// jsonName returns the name encoding/json would use for f ("" for an untagged
// embedded field) and whether encoding/json skips it.
func jsonName(f reflect.StructField) (name string, skip bool) {
	if !f.IsExported() && !f.Anonymous {
		return "", true
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", true
	}
	name, _, _ = strings.Cut(tag, ",")
	if !f.IsExported() && name == "" {
		// An unexported embedded non-struct is ignored by encoding/json; an
		// unexported embedded struct still contributes its exported fields.
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() != reflect.Struct {
			return "", true
		}
	}
	return name, false
}
