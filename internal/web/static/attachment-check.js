// Progressive enhancement for attachment forms: a file larger than Tandem keeps is
// refused in the browser as soon as it is chosen, with the same words the server
// uses, instead of after a long upload. Without JavaScript the server says it.
(function () {
  'use strict';
  document.querySelectorAll('input[type=file][data-max-bytes]').forEach(function (input) {
    var max = parseInt(input.dataset.maxBytes, 10);
    if (!max) {
      return;
    }
    input.addEventListener('change', function () {
      var f = input.files && input.files[0];
      input.setCustomValidity(f && f.size > max ? input.dataset.tooLarge : '');
      input.reportValidity();
    });
  });
})();
