package swaggerui

// Version is the release of the npm package swagger-ui-dist whose files
// dist/ holds and the page serves. update.sh rewrites it.
const Version = "5.35.0"
