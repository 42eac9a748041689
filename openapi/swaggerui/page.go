package swaggerui

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"
)

// pageTemplate is the docs page. html/template escapes the title and the
// document's URL for where they stand; the page carries no inline script.
var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="stylesheet" href="{{.Asset "swagger-ui.css"}}">
<link rel="icon" type="image/png" sizes="32x32" href="{{.Asset "favicon-32x32.png"}}">
</head>
<body>
<div id="swagger-ui" data-url="{{.SpecURL}}"></div>
<script src="{{.Asset "swagger-ui-bundle.js"}}"></script>
<script src="{{.Asset "init.js"}}"></script>
</body>
</html>
`))

// pageData is what pageTemplate shows.
type pageData struct {
	Title, SpecURL string
	prefix         string
	assets         map[string]*asset
}

// Asset is the URL of the named asset, with its version, under the prefix.
func (d pageData) Asset(name string) string {
	return d.prefix + "/" + name + "?v=" + d.assets[name].version
}

// renderPage renders the page once; it does not change while the handler
// lives.
func renderPage(prefix, specURL, title string, assets map[string]*asset) []byte {
	var b bytes.Buffer
	data := pageData{Title: title, SpecURL: specURL, prefix: prefix, assets: assets}
	if err := pageTemplate.Execute(&b, data); err != nil {
		panic("swaggerui: rendering the page: " + err.Error()) // a bug: the template and its data are ours
	}
	return b.Bytes()
}

// contentSecurityPolicy lets the page load scripts, styles and images from
// its own origin only, and fetch from its own origin and, when specURL is
// absolute, from the document's. Swagger UI's stylesheet draws its icons
// as data: URLs, hence data: for images. Nothing needs 'unsafe-inline':
// init.js is a file, and Swagger UI sets styles through the DOM, which CSP
// does not restrict (examples/todo's TestDocsPage checks all of this in Chromium).
func contentSecurityPolicy(specURL string) string {
	connect := "'self'"
	if u, err := url.Parse(specURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'self'",
	}, "; ")
}
