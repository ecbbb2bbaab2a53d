package certification

import (
	"slices"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

func day(s string) time.Time {
	t, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestExpiryFollowsTheValidityInCalendarMonths(t *testing.T) {
	for _, tc := range []struct {
		earned string
		months int
		want   string
	}{
		{"2025-03-15", 24, "2027-03-15"},
		{"2025-01-31", 1, "2025-02-28"}, // no 31 February: the month's last day
		{"2024-01-31", 1, "2024-02-29"},
		{"2025-08-31", 6, "2026-02-28"},
		{"2025-11-30", 3, "2026-02-28"},
		{"2025-12-01", 12, "2026-12-01"},
		{"2025-03-15", 0, ""}, // never expires
	} {
		if got := FormatDate(ExpiryFor(day(tc.earned), tc.months)); got != tc.want {
			t.Errorf("ExpiryFor(%s, %d) = %q, want %q", tc.earned, tc.months, got, tc.want)
		}
	}
}

func TestValidAtCountsFromTheEarnedDayUntilTheExpiryDay(t *testing.T) {
	h := Held{EarnedOn: day("2025-03-15"), ExpiresOn: day("2026-03-15")}
	at := func(s string) time.Time { return day(s).Add(13 * time.Hour) }
	for _, tc := range []struct {
		name string
		h    Held
		at   time.Time
		want bool
	}{
		{"the day before it was earned", h, at("2025-03-14"), false},
		{"the day it was earned", h, at("2025-03-15"), true},
		{"the last day before expiry", h, at("2026-03-14"), true},
		{"the expiry day", h, at("2026-03-15"), false},
		{"after expiry", h, at("2027-01-01"), false},
		{"never expires", Held{EarnedOn: day("2020-01-01")}, at("2040-01-01"), true},
		{"revoked", Held{EarnedOn: day("2025-03-15"), RevokedAt: at("2025-04-01")}, at("2025-05-01"), false},
		{"late in the evening elsewhere is the UTC day", h, time.Date(2026, 3, 14, 23, 30, 0, 0, time.FixedZone("X", -5*3600)), false},
	} {
		if got := tc.h.ValidAt(tc.at); got != tc.want {
			t.Errorf("%s: ValidAt = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestExpiringWithinAndStatus(t *testing.T) {
	h := Held{EarnedOn: day("2025-01-01"), ExpiresOn: day("2025-06-30")}
	for _, tc := range []struct {
		at       string
		within30 bool
		status   Status
	}{
		{"2024-12-31", false, StatusUpcoming},
		{"2025-05-30", false, StatusValid},
		{"2025-05-31", true, StatusExpiring}, // 30 days before
		{"2025-06-29", true, StatusExpiring},
		{"2025-06-30", false, StatusExpired},
	} {
		if got := h.ExpiringWithin(day(tc.at), 30); got != tc.within30 {
			t.Errorf("at %s: ExpiringWithin(30) = %v, want %v", tc.at, got, tc.within30)
		}
		if got := h.StatusAt(day(tc.at)); got != tc.status {
			t.Errorf("at %s: StatusAt = %s, want %s", tc.at, got, tc.status)
		}
	}
	if (Held{EarnedOn: day("2025-01-01")}).ExpiringWithin(day("2025-02-01"), 10000) {
		t.Error("a certification that never expires is expiring")
	}
	revoked := h
	revoked.RevokedAt = day("2025-02-01")
	if revoked.StatusAt(day("2025-01-15")) != StatusRevoked {
		t.Error("a revoked certification does not show as revoked")
	}
}

func TestCountValidCountsEachHolderAndCertificationOnce(t *testing.T) {
	now := day("2025-06-01")
	hs := []Held{
		{ID: "1", PartnerID: "p", ContactID: "ann", Key: "resale", EarnedOn: day("2023-01-01"), ExpiresOn: day("2025-01-01")}, // expired
		{ID: "2", PartnerID: "p", ContactID: "ann", Key: "resale", EarnedOn: day("2025-01-01"), ExpiresOn: day("2027-01-01")}, // renewed
		{ID: "3", PartnerID: "p", ContactID: "ann", Key: "resale", EarnedOn: day("2025-02-01")},                               // recorded twice
		{ID: "4", PartnerID: "p", ContactID: "bob", Key: "resale", EarnedOn: day("2025-01-01")},                               // another person
		{ID: "5", PartnerID: "p", ContactID: "", Key: "cloud", EarnedOn: day("2025-01-01")},                                   // the organisation
		{ID: "6", PartnerID: "p", ContactID: "cy", Key: "cloud", EarnedOn: day("2025-01-01"), RevokedAt: day("2025-03-01")},   // revoked
		{ID: "7", PartnerID: "q", ContactID: "dee", Key: "cloud", EarnedOn: day("2025-07-01")},                                // not yet
		{ID: "8", PartnerID: "r", ContactID: "", Key: "cloud", EarnedOn: day("2024-01-01")},
	}
	got := CountValid(hs, now)
	want := map[string]int{"p": 3, "r": 1}
	if len(got) != len(want) || got["p"] != 3 || got["r"] != 1 {
		t.Errorf("CountValid = %v, want %v", got, want)
	}
	keys := ValidKeys(hs, now)
	if !slices.Equal(keys["p"], []string{"cloud", "resale"}) || len(keys["q"]) != 0 || !slices.Equal(keys["r"], []string{"cloud"}) {
		t.Errorf("ValidKeys = %v", keys)
	}
}

func TestDueReminderOncePerExpiryAndNotAfterRenewal(t *testing.T) {
	now := day("2025-06-10")
	h := Held{ID: "a", PartnerID: "p", ContactID: "ann", Key: "resale", EarnedOn: day("2024-07-01"), ExpiresOn: day("2025-07-01")}
	if !DueReminder(h, []Held{h}, now) {
		t.Fatal("no reminder 21 days before expiry")
	}
	if DueReminder(h, []Held{h}, day("2025-05-01")) {
		t.Error("a reminder 61 days before expiry")
	}
	reminded := h
	reminded.RemindedUntil = h.ExpiresOn
	if DueReminder(reminded, []Held{reminded}, now) {
		t.Error("a second reminder for the same expiry")
	}
	renewed := Held{ID: "b", PartnerID: "p", ContactID: "ann", Key: "resale", EarnedOn: day("2025-06-01"), ExpiresOn: day("2026-06-01")}
	if DueReminder(h, []Held{h, renewed}, now) {
		t.Error("a reminder for a certification already renewed")
	}
	otherPerson := renewed
	otherPerson.ContactID = "bob"
	if !DueReminder(h, []Held{h, otherPerson}, now) {
		t.Error("another person's certification counted as a renewal")
	}
	revokedRenewal := renewed
	revokedRenewal.RevokedAt = now
	if !DueReminder(h, []Held{h, revokedRenewal}, now) {
		t.Error("a revoked renewal counted as a renewal")
	}
	// An expiry moved by a new record: its own reminder.
	reminded.ExpiresOn = day("2025-06-30")
	if !DueReminder(reminded, []Held{reminded}, now) {
		t.Error("no reminder for a new expiry")
	}
}

func TestRecordInputIsCheckedAgainstTheCatalogue(t *testing.T) {
	now := day("2025-06-10").Add(9 * time.Hour)
	d := &Definition{Key: "resale", Name: "Resale Pro", ValidityMonths: 12}
	retired := &Definition{Key: "old", Name: "Old Cert", Retired: true}
	for _, tc := range []struct {
		name   string
		in     RecordInput
		d      *Definition
		fields []string
	}{
		{"valid, today", RecordInput{Key: "resale"}, d, nil},
		{"missing key", RecordInput{}, nil, []string{"key"}},
		{"unknown key", RecordInput{Key: "nope"}, nil, []string{"key"}},
		{"retired", RecordInput{Key: "old"}, retired, []string{"key"}},
		{"future", RecordInput{Key: "resale", EarnedOn: "2025-06-11"}, d, []string{"earned_on"}},
		{"not a date", RecordInput{Key: "resale", EarnedOn: "10/06/2025"}, d, []string{"earned_on"}},
		{"evidence too long", RecordInput{Key: "resale", Evidence: string(make([]byte, MaxEvidenceLen+1))}, d, []string{"evidence"}},
	} {
		earned, expires, err := tc.in.prepare(tc.d, now)
		var got []string
		for _, f := range tandem.FieldsOf(err) {
			got = append(got, f.Path)
		}
		if !slices.Equal(got, tc.fields) {
			t.Errorf("%s: fields %v (%v), want %v", tc.name, got, err, tc.fields)
		}
		if tc.fields == nil && (FormatDate(earned) != "2025-06-10" || FormatDate(expires) != "2026-06-10") {
			t.Errorf("%s: dates %s – %s", tc.name, FormatDate(earned), FormatDate(expires))
		}
	}
}

func TestDefinitionInputValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     DefinitionInput
		fields []string
	}{
		{"valid", DefinitionInput{Key: "resale_pro", Name: "Resale Pro", ValidityMonths: 24, Motion: "resale", Product: "Core"}, nil},
		{"bad key", DefinitionInput{Key: "Resale Pro", Name: "x"}, []string{"key"}},
		{"no name", DefinitionInput{Key: "a"}, []string{"name"}},
		{"validity", DefinitionInput{Key: "a", Name: "A", ValidityMonths: -1}, []string{"validity_months"}},
		{"motion", DefinitionInput{Key: "a", Name: "A", Motion: "telepathy"}, []string{"motion"}},
	} {
		err := tc.in.normalize().validate(true)
		var got []string
		for _, f := range tandem.FieldsOf(err) {
			got = append(got, f.Path)
		}
		if !slices.Equal(got, tc.fields) {
			t.Errorf("%s: fields %v, want %v", tc.name, got, tc.fields)
		}
	}
}

// TestPartnerViewShowsOnlySafeFields fails when a field is added to what partners
// see of their certifications without adding it to the policy's safe fields.
func TestPartnerViewShowsOnlySafeFields(t *testing.T) {
	type profile struct {
		Certifications []PartnerView `json:"certifications"`
	}
	if bad := policy.UnsafeFields(policy.PartnerProfile, profile{}); bad != nil {
		t.Fatalf("unsafe fields: %v", bad)
	}
}
