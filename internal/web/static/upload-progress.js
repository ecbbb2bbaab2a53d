// Progressive enhancement for CSV uploads: while a file is sent the form shows how
// much of it has gone, then that its rows are being checked, instead of a page that
// seems to hang. Without JavaScript the form posts as usual.
(function () {
  'use strict';
  if (!window.XMLHttpRequest || !window.FormData) {
    return;
  }
  document.querySelectorAll('form[enctype="multipart/form-data"]').forEach(function (form) {
    form.dataset.enhanced = 'upload';
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var button = form.querySelector('button[type=submit]');
      var status = document.createElement('p');
      status.className = 'muted';
      status.setAttribute('role', 'status');
      status.textContent = 'Sending the file…';
      var bar = document.createElement('progress');
      bar.max = 100;
      bar.value = 0;
      form.appendChild(status);
      form.appendChild(bar);
      if (button) {
        button.disabled = true;
      }
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(100 * e.loaded / e.total);
          status.textContent = 'Sending the file… ' + bar.value + '%';
        }
      });
      xhr.upload.addEventListener('load', function () {
        bar.removeAttribute('value'); // an indeterminate bar while the server works
        status.textContent = 'File received; checking every row…';
      });
      xhr.addEventListener('load', function () {
        // Show the server's answer (the report, or the page a redirect led to) as
        // if the form had been posted normally.
        if (xhr.responseURL && xhr.responseURL !== form.action) {
          window.history.replaceState(null, '', xhr.responseURL);
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener('error', function () {
        status.textContent = 'The upload failed: check the connection and try again.';
        bar.remove();
        if (button) {
          button.disabled = false;
        }
      });
      xhr.send(new FormData(form));
    });
  });
})();
