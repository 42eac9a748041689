#!/bin/sh
# update.sh replaces the vendored Swagger UI in dist/ with another release of
# the npm package swagger-ui-dist, and writes its version into version.go
# and README.md.
#
#	./update.sh 5.35.0
#
# Then run `go test ./openapi/swaggerui/` and, in examples/,
# `REQUIRE_BROWSER=1 go test -run TestDocsPage ./todo/`, and commit dist/, version.go and
# README.md together.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 VERSION   (for example: $0 5.35.0; see: npm view swagger-ui-dist version)" >&2
	exit 2
fi
version=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "swagger-ui-dist@$version" >/dev/null && tar xzf "swagger-ui-dist-$version.tgz")
got=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$tmp/package/package.json")
if [ "$got" != "$version" ]; then
	echo "$0: npm gave swagger-ui-dist $got, not $version" >&2
	exit 1
fi

# Only what the page loads, and the licenses. The files stay as published.
rm -rf "$here/dist"
mkdir "$here/dist"
for f in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png LICENSE NOTICE; do
	if [ -e "$tmp/package/$f" ]; then
		cp "$tmp/package/$f" "$here/dist/"
	elif [ "$f" != NOTICE ]; then
		echo "$0: swagger-ui-dist $version has no $f; the page needs it" >&2
		exit 1
	fi
done

sed -i "s/^const Version = \".*\"$/const Version = \"$version\"/" "$here/version.go"
sed -i "s/swagger-ui-dist [0-9][0-9.a-z-]*/swagger-ui-dist $version/g" "$here/README.md"
echo "dist/ now holds swagger-ui-dist $version:"
ls -l "$here/dist"
