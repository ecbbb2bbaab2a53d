package web

import (
	"testing"

	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestReliance pins what the removal page says relies on a document, for the default
// referral model: an order form is needed to leave "Commercial terms" until that stage
// is left, and to reopen a lost deal past it; another document is needed by nothing.
func TestReliance(t *testing.T) {
	md, _ := stage.Default(tandem.MotionReferral)
	md.LostCriteria = append(md.LostCriteria, stage.Criterion{Kind: stage.KindAttachment, Key: "loss_memo"})
	md.LostCriteria = append(md.LostCriteria, stage.Criterion{Kind: stage.KindAttachment, Key: "loss_note"})
	// A kind needed both ahead and to close as lost.
	md.Stages[2].Exit = append(md.Stages[2].Exit, stage.Criterion{Kind: stage.KindAttachment, Key: "loss_memo"})
	kinds := attachmentKinds(md)
	row := func(kind string) attachmentRow {
		k := kindOf(kinds, kind)
		return attachmentRow{Kind: kind, KindLabel: k.Label, Meets: k.Needs}
	}
	for _, c := range []struct {
		stage, kind string
		others      int
		partner     bool
		want        string
	}{
		{"commercials", "order_form", 0, false, "It meets the criterion “A signed order form is attached”, which is needed to leave Commercial terms. It is the only order form: without it, that is refused until another is attached."},
		{"introduced", "order_form", 1, true, "It meets the criterion “A signed order form is attached”, which is needed to leave Commercial terms. One other order form that you can see stays, so the criterion is still met."},
		{"commercials", "order_form", 3, false, "It meets the criterion “A signed order form is attached”, which is needed to leave Commercial terms. 3 other attachments of this kind stay, so the criterion is still met."},
		{"won_credited", "order_form", 0, false, "It meets the criterion “A signed order form is attached”; the opportunity has already left Commercial terms, and stages already left stay left."},
		{stage.Lost, "order_form", 0, false, "It meets the criterion “A signed order form is attached”, which is needed to reopen the opportunity past Commercial terms. It is the only order form: without it, that is refused until another is attached."},
		{"commercials", "order_form", 0, true, "It meets the criterion “A signed order form is attached”, which is needed to leave Commercial terms. It is the only order form you can see (the vendor's team may hold others): without one, that is refused."},
		{"qualified", "loss_memo", 0, false, "It meets the criterion “Loss memo is attached”, which is needed to leave Value proven and to close the opportunity as lost. It is the only loss memo: without it, that is refused until another is attached."},
		{"won_credited", "loss_memo", 0, false, "It meets the criterion “Loss memo is attached”; the opportunity has already left Value proven, and stages already left stay left."},
		{"won_credited", "loss_note", 0, false, "It meets the criterion “Loss note is attached”, which this opportunity no longer needs."},
		{"commercials", "other", 0, false, "No stage criterion relies on it: it is kept as another document."},
		{"commercials", "nda", 0, false, "No stage criterion relies on it: it is kept as nda."},
	} {
		if got := reliance(md, c.stage, row(c.kind), c.others, c.partner); got != c.want {
			t.Errorf("%s at %s:\n got %s\nwant %s", c.kind, c.stage, got, c.want)
		}
	}
	if k := kindOf(kinds, "order_form"); k.Where != "needed to leave Commercial terms" || k.Label != "Order form" {
		t.Errorf("order form kind: %+v", k)
	}
	if k := kindOf(kinds, "loss_memo"); k.Where != "needed to leave Value proven; needed to close as lost" {
		t.Errorf("loss memo kind: %+v", k)
	}
	if last := kinds[len(kinds)-1]; last.Value != "other" || last.Label != "Another document" || last.Where != "" {
		t.Errorf("the last kind: %+v", last)
	}
}
