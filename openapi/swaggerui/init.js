// Starts Swagger UI on the document the page names in #swagger-ui's
// data-url. It is a file, not an inline script, so that the page's
// Content-Security-Policy allows scripts from its own origin only.
(function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    tryItOutEnabled: true,
    presets: [SwaggerUIBundle.presets.apis],
    // No badge from the public validator: the page works offline and
    // loads nothing from other origins.
    validatorUrl: null
  });
})();
