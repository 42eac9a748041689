package core

import (
	"fmt"
	"strconv"
	"strings"
)

// WithPrefix puts prefix before every route's path, after the controller's
// prefix is joined, as NestJS's setGlobalPrefix does: with
// WithPrefix("/api"), a route GET "/:id" of a controller at "/todos" is
// GET /api/todos/:id. "api" and "/api/" are "/api"; "" and "/" set none.
// A version (see Route.Version) comes after it: /api/v2/todos/:id. What
// an Extension mounts (the OpenAPI document, its docs page) is not
// prefixed. A prefix with a parameter (":" or "*") fails New with an
// *OptionError.
func WithPrefix(prefix string) Option {
	return option{fmt.Sprintf("WithPrefix(%q)", prefix), func(s *settings) {
		if clean, err := cleanPrefix(prefix); err == nil {
			prefix = clean
		}
		s.prefix = prefix // mapRoutes cleans it again, and says what is wrong
	}}
}

// cleanPrefix is prefix with one leading "/" and no trailing one, or ""
// for none.
func cleanPrefix(prefix string) (string, error) {
	if strings.ContainsAny(prefix, ":*") {
		return "", fmt.Errorf("prefix %q has a path parameter; a global prefix is fixed text, such as \"/api\"", prefix)
	}
	if p := strings.Trim(prefix, "/"); p != "" {
		return "/" + p, nil
	}
	return "", nil
}

// Version puts every route of the controller under /v<version> (after the
// global prefix, before the controller's path), like the version tag on
// core.Controller and NestJS's URI versioning; a route's own version
// replaces it. version is a positive integer, such as "2".
func (r *Routes) Version(version string) *Routes {
	r.version, r.versionSet = version, true
	return r
}

// Version puts the route under /v<version>, instead of its controller's
// version (if any), like the version tag on a route marker: with
// Version("2"), r.GET("/", c.List) of a controller at "/todos" is
// GET /v2/todos. version is a positive integer, such as "2".
func (rt *Route) Version(version string) *Route {
	rt.versionTag, rt.versionSet = version, true
	return rt
}

// checkVersion checks a version as a tag or Version gives it: a positive
// integer without sign or leading zero, which is the "2" of /v2.
func checkVersion(v string) bool {
	n, err := strconv.Atoi(v)
	return err == nil && n > 0 && strconv.Itoa(n) == v
}

// path is a route's full path: the global prefix, the route's version (or
// its controller's), the controller's prefix and the route's path.
func (ci *controllerInfo) path(rt *Route) string {
	base := ci.appPrefix
	if v := ci.versionOf(rt); v != "" {
		base = joinPath(base, "v"+v)
	}
	return joinPath(base, joinPath(ci.prefix, rt.path))
}

// versionOf is the route's version once checked: its own, else its
// controller's, else "".
func (ci *controllerInfo) versionOf(rt *Route) string {
	if rt.version != "" {
		return rt.version
	}
	return ci.version
}
