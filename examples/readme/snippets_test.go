package readme

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmePath is the README whose Go blocks this package holds.
const readmePath = "../../README.md"

// snippet is a ```go block of the README or a region of a Go file here.
type snippet struct {
	file  string // where it is written
	line  int    // line of its first code line in file
	name  string // a region's name; "" for a README block
	lines []string
}

// text is the snippet normalised as the package doc says.
func (s snippet) text() string { return strings.Join(normalise(s.lines), "\n") }

// firstLine is the first non-blank line as written, to name the snippet.
func (s snippet) firstLine() string {
	for _, l := range s.lines {
		if strings.TrimSpace(l) != "" {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// normalise expands each leading tab to four spaces, drops trailing
// spaces, blank lines at either end and the indentation common to every
// line, so that a README block indented with spaces matches a region
// gofmt indented with tabs, at package level or inside a function.
func normalise(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		body := strings.TrimLeft(l, "\t")
		out = append(out, strings.Repeat("    ", len(l)-len(body))+body)
	}
	for len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	indent := -1
	for _, l := range out {
		if l == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " ")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range out {
		if l != "" {
			out[i] = l[indent:]
		}
	}
	return out
}

// goBlocks returns the ```go blocks of a Markdown text. Any other fenced
// block is skipped whole, so a ``` line inside it cannot start one.
func goBlocks(file, markdown string) ([]snippet, error) {
	var blocks []snippet
	var cur *snippet
	fence := "" // the info string of the open fence, if any
	open := false
	for i, l := range strings.Split(markdown, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case !open && strings.HasPrefix(t, "```"):
			open, fence = true, strings.TrimSpace(strings.TrimPrefix(t, "```"))
			if fence == "go" {
				cur = &snippet{file: file, line: i + 2}
			}
		case open && t == "```":
			if cur != nil {
				blocks = append(blocks, *cur)
			}
			open, cur = false, nil
		case cur != nil:
			cur.lines = append(cur.lines, l)
		}
	}
	if open {
		return nil, fmt.Errorf("%s: a ```%s block is never closed", file, fence)
	}
	return blocks, nil
}

var (
	beginRE = regexp.MustCompile(`^// readme:begin ([A-Za-z0-9_-]+)$`)
	endRE   = regexp.MustCompile(`^// readme:end$`)
)

// regions returns the marked regions of the Go files of dir, tests
// excluded.
func regions(dir string) ([]snippet, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var out []snippet
	seen := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var cur *snippet
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for n := 1; sc.Scan(); n++ {
			l := sc.Text()
			t := strings.TrimSpace(l)
			if m := beginRE.FindStringSubmatch(t); m != nil {
				if cur != nil {
					return nil, fmt.Errorf("%s:%d: region %q begins inside region %q", f, n, m[1], cur.name)
				}
				if where, dup := seen[m[1]]; dup {
					return nil, fmt.Errorf("%s:%d: region %q is already marked at %s", f, n, m[1], where)
				}
				seen[m[1]] = fmt.Sprintf("%s:%d", f, n)
				cur = &snippet{file: f, line: n + 1, name: m[1]}
				continue
			}
			if endRE.MatchString(t) {
				if cur == nil {
					return nil, fmt.Errorf("%s:%d: readme:end without readme:begin", f, n)
				}
				out = append(out, *cur)
				cur = nil
				continue
			}
			if cur != nil {
				cur.lines = append(cur.lines, l)
			}
		}
		if cur != nil {
			return nil, fmt.Errorf("%s:%d: region %q has no readme:end", f, cur.line-1, cur.name)
		}
	}
	return out, nil
}

// check returns a problem for each README block that is no region, and
// for each region that is no README block.
func check(blocks, regions []snippet) []string {
	var problems []string
	used := make([]bool, len(regions))
	for _, b := range blocks {
		i := slices.IndexFunc(regions, func(r snippet) bool { return r.text() == b.text() })
		if i >= 0 {
			used[i] = true
			continue
		}
		p := fmt.Sprintf("%s:%d: the ```go block that starts %q is in no region of examples/readme (see its doc.go)", b.file, b.line, b.firstLine())
		if r, at, ok := closest(b, regions); ok {
			want, got := "(nothing)", "(nothing)"
			bl, rl := normalise(b.lines), normalise(r.lines)
			if at < len(bl) {
				want = bl[at]
			}
			if at < len(rl) {
				got = rl[at]
			}
			p += fmt.Sprintf("\n\tclosest is region %q (%s:%d); line %d of the block differs:\n\tREADME: %s\n\tregion: %s",
				r.name, r.file, r.line, at+1, want, got)
		}
		problems = append(problems, p)
	}
	for i, r := range regions {
		if !used[i] {
			problems = append(problems, fmt.Sprintf("%s:%d: region %q (starts %q) is in no ```go block of README.md; copy it there or remove its markers",
				r.file, r.line, r.name, r.firstLine()))
		}
	}
	return problems
}

// closest finds the region that agrees with the block on the most leading
// lines (at least the first) and the index of their first difference.
func closest(b snippet, regions []snippet) (snippet, int, bool) {
	bl := normalise(b.lines)
	best, bestAt := -1, 0
	for i, r := range regions {
		rl := normalise(r.lines)
		n := 0
		for n < len(bl) && n < len(rl) && bl[n] == rl[n] {
			n++
		}
		if n > 0 && n > bestAt {
			best, bestAt = i, n
		}
	}
	if best < 0 {
		return snippet{}, 0, false
	}
	return regions[best], bestAt, true
}

// TestReadmeGoBlocks keeps README.md's Go honest: every ```go block must be
// a region of this package, which go build and go vet compile with the
// repository, and every region must still be shown in the README.
func TestReadmeGoBlocks(t *testing.T) {
	md, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := goBlocks("README.md", string(md))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block: is the path or the fence syntax wrong?")
	}
	regs, err := regions(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range check(blocks, regs) {
		t.Error(p)
	}
}

// TestReadmeCheckFindsDrift shows that the check fails on a README that
// drifted from the code, and passes on one indented differently.
func TestReadmeCheckFindsDrift(t *testing.T) {
	region := snippet{file: "x.go", line: 3, name: "x", lines: []string{
		"",
		"\tif ok {",
		"\t\treturn nil // done",
		"\t}",
		"",
	}}
	md := strings.Join([]string{
		"# Title",
		"",
		"```sh",
		"```go inside another fence is not a block",
		"```",
		"",
		"```go",
		"if ok {",
		"    return nil // done",
		"}",
		"```",
		"",
		"```go",
		"if ok {",
		"    return err // done",
		"}",
		"```",
	}, "\n")
	blocks, err := goBlocks("README.md", md)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0].line != 8 || blocks[1].line != 14 {
		t.Fatalf("goBlocks found %+v, want blocks at lines 8 and 14", blocks)
	}
	problems := check(blocks, []snippet{region})
	if len(problems) != 1 {
		t.Fatalf("check found %d problems, want 1 (the second block): %q", len(problems), problems)
	}
	for _, want := range []string{"README.md:14:", `"if ok {"`, "line 2", "return err // done"} {
		if !strings.Contains(problems[0], want) {
			t.Errorf("problem %q does not say %s", problems[0], want)
		}
	}
	if problems := check(blocks[:1], nil); len(problems) != 1 || !strings.Contains(problems[0], "README.md:8:") {
		t.Errorf("a block with no region: %q", problems)
	}
	if problems := check(nil, []snippet{region}); len(problems) != 1 || !strings.Contains(problems[0], `region "x"`) {
		t.Errorf("a region with no block: %q", problems)
	}
}
