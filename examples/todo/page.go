package main

import (
	"embed"
	"net/http"

	"github.com/godanet/godanet/core"
	"github.com/labstack/echo/v4"
)

// web holds the page: plain HTML, CSS and JavaScript, no build step and
// nothing fetched from elsewhere, so it works offline.
//
//go:embed web
var web embed.FS

// PageController serves the web page and its assets.
type PageController struct {
	core.Controller `path:"/"`

	_ core.GET `path:"/"             handler:"Index" openapi:"-"`
	_ core.GET `path:"/assets/:name" handler:"Asset" openapi:"-"`
}

// NewPageController returns the page controller.
func NewPageController() *PageController { return &PageController{} }

// Index serves the page.
func (p *PageController) Index(c core.Context) error {
	page, err := web.ReadFile("web/index.html")
	if err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, page)
}

// Asset serves a stylesheet or script of the page; anything else is a 404.
func (p *PageController) Asset(c core.Context) error {
	switch name := c.Param("name"); name {
	case "app.js", "style.css":
		return echo.StaticFileHandler("web/"+name, web)(c)
	}
	return core.NotFound("no asset %q", c.Param("name"))
}
