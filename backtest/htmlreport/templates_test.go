package htmlreport

import (
	"strings"
	"testing"
)

// TestTemplatesParse parses both page templates, which are no longer parsed at package
// initialisation but on first use: a template that does not parse would otherwise
// only show when a report is written. TestWrite and TestWriteCompare render them.
func TestTemplatesParse(t *testing.T) {
	for name, tmpl := range map[string]func() string{
		"page":    func() string { return pageTemplate().Name() + pageTemplate().DefinedTemplates() },
		"compare": func() string { return compareTemplate().Name() + compareTemplate().DefinedTemplates() },
	} {
		if got := tmpl(); !strings.HasPrefix(got, name) {
			t.Errorf("template %s: got %q", name, got)
		}
	}
	if pageTemplate() != pageTemplate() {
		t.Error("pageTemplate parses again on every use")
	}
}
