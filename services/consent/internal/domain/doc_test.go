package domain_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTheRuleIndexNamesOnlyFilesAndTestsThatExist keeps doc.go's rule index
// true: every file it names is in this package or the app's, and every test
// it names is a test of the consent service or of the suite.
func TestTheRuleIndexNamesOnlyFilesAndTestsThatExist(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{}
	declared := regexp.MustCompile(`(?m)^func (Test\w+)\(t \*testing\.T\)`)
	for _, root := range []string{"../..", "../../../suite"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range declared.FindAllStringSubmatch(string(src), -1) {
				tests[m[1]] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	named := regexp.MustCompile(`\bTest[A-Z]\w+`).FindAllString(string(doc), -1)
	if len(named) < 20 {
		t.Fatalf("the index names %d tests; it should name one or more per rule", len(named))
	}
	for _, name := range named {
		if !tests[name] {
			t.Errorf("doc.go names %s, which is no test of the consent service or the suite", name)
		}
	}
	for _, file := range regexp.MustCompile(`\b[a-z_]+\.go\b`).FindAllString(string(doc), -1) {
		_, inDomain := os.Stat(file)
		_, inApp := os.Stat(filepath.Join("..", "app", file))
		if inDomain != nil && inApp != nil {
			t.Errorf("doc.go names %s, which is in neither the domain nor the app", file)
		}
	}
}
