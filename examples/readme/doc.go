// Package readme holds the Go snippets of the repository's README.md, so
// that they compile with the code they describe and cannot drift from it.
//
// Each ```go block of README.md is a region of a file of this package,
// between a line "// readme:begin NAME" and a line "// readme:end". A
// region is declarations at package level, or statements inside a
// function when the README shows a fragment; the code around the regions
// is scaffolding that makes them compile and run (go build ./... and
// go vet ./... build them, and the tests start them).
//
// TestReadmeGoBlocks checks that every ```go block of README.md is a
// region here, and every region a block there, after one normalisation:
// a leading tab counts as four spaces (the README indents with spaces,
// gofmt with tabs), the indentation common to all lines of the block or
// region is removed, trailing spaces are dropped, and blank lines at
// either end are ignored. Anything else, alignment and comments included,
// must match character for character. To change a snippet, edit the
// region here, run gofmt, and copy the region into README.md with each
// leading tab as four spaces.
package readme
