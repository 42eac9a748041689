package swaggerui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"sync"
)

// files holds Swagger UI as published (dist/, see README.md) and the
// script that starts it (init.js).
//
//go:embed dist init.js
var files embed.FS

// An asset is one file the handler serves under its prefix.
type asset struct {
	body        []byte
	contentType string
	// version is a digest of body. The page asks for the asset with it as
	// ?v=, and only that URL is cached as immutable, so a new release of
	// godanet never meets a stale copy in a browser's cache.
	version string
}

// contentTypes are set explicitly rather than by mime.TypeByExtension,
// whose answers depend on the system's tables.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".png": "image/png",
	".txt": "text/plain; charset=utf-8",
	"":     "text/plain; charset=utf-8", // LICENSE, NOTICE
}

// loadAssets reads the embedded files once, for every handler, by base
// name: the page needs no directories.
var loadAssets = sync.OnceValue(func() map[string]*asset {
	assets := make(map[string]*asset)
	add := func(name string) {
		body, err := files.ReadFile(name)
		if err != nil {
			panic("swaggerui: embedded " + name + ": " + err.Error())
		}
		sum := sha256.Sum256(body)
		assets[path.Base(name)] = &asset{
			body:        body,
			contentType: contentTypes[path.Ext(name)],
			version:     hex.EncodeToString(sum[:6]),
		}
	}
	entries, err := fs.ReadDir(files, "dist")
	if err != nil {
		panic("swaggerui: embedded dist: " + err.Error())
	}
	for _, e := range entries {
		add("dist/" + e.Name())
	}
	add("init.js")
	return assets
})
