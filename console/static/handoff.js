// Live handoff pages: keeps the queue and the chat up to date without reloading
// (a reload would lose what staff are typing). DOM and textContent only.
(function () {
  'use strict';
  var POLL_MS = 1500;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text != null) { node.textContent = text; }
    return node;
  }

  function getJson(url) {
    return fetch(url, { credentials: 'same-origin', cache: 'no-store',
      headers: { 'Accept': 'application/json' } }).then(function (response) {
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      return response.json();
    });
  }

  function every(task) {
    function run() { task().then(schedule, schedule); }
    function schedule() { setTimeout(run, POLL_MS); }
    schedule();
  }

  function waitText(seconds) { return Math.floor(seconds / 60) + ' min ' + (seconds % 60) + ' s'; }

  var queue = document.getElementById('handoff-queue');
  if (queue) {
    every(function () {
      return getJson(queue.getAttribute('data-source')).then(function (data) {
        var body = queue.tBodies[0];
        var rows = Array.isArray(data.rows) ? data.rows : [];
        while (body.firstChild) { body.removeChild(body.firstChild); }
        if (!rows.length) {
          var none = el('tr', 'none');
          var cell = el('td', 'empty', 'Nobody is waiting.');
          cell.colSpan = 4;
          none.appendChild(cell);
          body.appendChild(none);
        }
        rows.forEach(function (row) {
          var tr = el('tr');
          tr.setAttribute('data-conversation-id', String(row.conversation_id));
          var status = el('td');
          status.appendChild(row.status === 'waiting' ? el('span', 'badge badge-amber', 'waiting')
            : el('span', 'badge badge-ok', 'with ' + row.staff));
          tr.appendChild(status);
          tr.appendChild(el('td', 'wait', waitText(row.wait_seconds)));
          tr.appendChild(el('td', '', row.last_patient_text));
          var link = el('a', '', 'Open chat');
          link.href = row.url;
          var linkCell = el('td');
          linkCell.appendChild(link);
          tr.appendChild(linkCell);
          body.appendChild(tr);
        });
      });
    });
  }

  var transcript = document.getElementById('handoff-transcript');
  var status = document.getElementById('handoff-status');
  if (transcript && status) {
    var after = Number(transcript.getAttribute('data-after')) || 0;
    every(function () {
      var url = transcript.getAttribute('data-source') + '?after=' + after;
      return getJson(url).then(function (data) {
        (data.items || []).forEach(function (item) {
          var li = el('li', item.kind === 'user' ? 'msg msg-user' : 'msg msg-bot' + (item.staff ? ' msg-staff' : ''));
          var meta = el('div', 'meta');
          if (item.kind === 'user') {
            meta.textContent = 'Patient · ' + item.time;
          } else if (item.staff) {
            meta.appendChild(el('span', 'staff', item.staff + ' (staff)'));
            meta.appendChild(document.createTextNode(' · ' + item.time));
          } else {
            meta.textContent = 'Bot · ' + item.time;
          }
          li.appendChild(meta);
          if (item.text) { li.appendChild(el('div', 'bubble', item.text)); }
          transcript.appendChild(li);
        });
        after = Math.max(after, Number(data.last_event_id) || 0);
        // Someone else took it, or it went back to the bot: show the right buttons.
        if ((data.status || '') !== status.getAttribute('data-status') ||
            (data.staff || '') !== status.getAttribute('data-staff')) {
          var typing = document.querySelector('#handoff-reply textarea');
          if (!typing || !typing.value) { window.location.reload(); }
        }
      });
    });
  }
}());
