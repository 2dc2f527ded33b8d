/*
 * Clinic chat widget for the clinic's Rasa assistant (REST channel).
 *
 * Embed with one tag:   <script src="https://CLINIC-HOST/clinic-chat.js" defer></script>
 * Optional, before it:  window.ClinicChatConfig = {botUrl: "https://bot.example", strings: "strings.fr.json"};
 *
 * Plain JavaScript, no dependencies, nothing loaded from anywhere but the
 * script's own origin (its CSS, widget-config.json and the strings file) and
 * the bot. Every text shown comes from the strings file. Bot and patient text
 * is only ever put into the page with textContent / DOM nodes, never as HTML.
 */
(function () {
  'use strict';

  if (window.__clinicChatLoaded) { return; }
  window.__clinicChatLoaded = true;

  var SCRIPT = document.currentScript ||
    document.querySelector('script[src*="clinic-chat.js"]');
  var SCRIPT_URL = new URL(SCRIPT && SCRIPT.src ? SCRIPT.src : 'clinic-chat.js', document.baseURI);
  var BASE = new URL('.', SCRIPT_URL).href;
  var USER = (window.ClinicChatConfig && typeof window.ClinicChatConfig === 'object')
    ? window.ClinicChatConfig : {};
  var STORAGE_KEY = 'clinicChat:v1:' + (USER.storageKey || SCRIPT_URL.host);
  var OPEN_KEY = STORAGE_KEY + ':open';
  var MAX_HISTORY = 300;
  var REQUEST_TIMEOUT_MS = 45000;
  var PHONE_LAYOUT = '(max-width: 600px), (max-height: 500px)';
  // Live handoff: how often the widget asks for staff messages while a member
  // of staff has (or is about to join) the conversation.
  var HANDOFF_POLL_MS = Number(USER.handoffPollMs) > 0 ? Number(USER.handoffPollMs) : 1500;
  var HANDOFF_RETRY_MS = 5000;

  var cfg = null;      // merged configuration
  var S = null;        // strings
  var state = null;    // persisted conversation
  var ui = {};         // DOM references
  var sending = false;
  var generation = 0;  // bumped by "Start over": late replies of the old conversation are dropped
  var failures = 0;
  var retryTimer = null;
  var saveDraftTimer = null;
  var pollTimer = null;
  var polling = false;

  // ---------------------------------------------------------------- helpers

  function fill(template, values) {
    return String(template == null ? '' : template).replace(/\{([a-z]+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values || {}, key) ? String(values[key]) : all;
    });
  }

  function t(key, values) {
    var base = { clinic: cfg.clinic.name, phone: cfg.clinic.phone };
    var merged = {};
    Object.keys(base).forEach(function (k) { merged[k] = base[k]; });
    Object.keys(values || {}).forEach(function (k) { merged[k] = values[k]; });
    return fill(S[key] != null ? S[key] : key, merged);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === 'class') { node.className = value; }
      else if (name === 'text') { node.textContent = value; }
      else if (name.slice(0, 2) === 'on') { node.addEventListener(name.slice(2), value); }
      else { node.setAttribute(name, value === true ? '' : String(value)); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svgIcon(paths, size) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', String(size || 24));
    svg.setAttribute('height', String(size || 24));
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    paths.forEach(function (d) {
      var path = document.createElementNS(ns, 'path');
      path.setAttribute('d', d);
      path.setAttribute('fill', 'currentColor');
      svg.appendChild(path);
    });
    return svg;
  }

  var ICON_CHAT = ['M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z'];
  var ICON_CLOSE = ['M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z'];
  var ICON_SEND = ['M3 20.5 21.5 12 3 3.5 3 10l12 2-12 2z'];
  var ICON_CALENDAR = ['M7 2h2v2h6V2h2v2h2a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2zM5 9v11h14V9zm2 2h4v4H7z'];
  var ICON_PHONE = ['M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z'];

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return 'web-' + Array.prototype.map.call(bytes, function (b) {
      return ('0' + b.toString(16)).slice(-2);
    }).join('');
  }

  function browserTimezone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { return null; }
  }

  function telHref(number) {
    return 'tel:' + String(number).replace(/[^\d+]/g, '');
  }

  function isoToUtcDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ''));
    return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
  }

  function formatDate(iso) {
    var date = isoToUtcDate(iso);
    if (!date) { return String(iso || ''); }
    var options = { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' };
    if (date.getUTCFullYear() !== new Date().getFullYear()) { options.year = 'numeric'; }
    try { return new Intl.DateTimeFormat(S.locale || undefined, options).format(date); }
    catch (e) { return date.toDateString(); }
  }

  function localIsoToday() {
    var now = new Date();
    return now.getFullYear() + '-' + ('0' + (now.getMonth() + 1)).slice(-2) + '-' +
      ('0' + now.getDate()).slice(-2);
  }

  // Colours: keep WCAG AA contrast even when the configured pair is poor.
  function parseHex(color) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(color || '').trim());
    if (!m) { return null; }
    var hex = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    return [0, 2, 4].map(function (i) { return parseInt(hex.slice(i, i + 2), 16); });
  }
  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function applyTheme(root) {
    var primary = parseHex(cfg.widget.primary_color) || parseHex('#0d5f63');
    var onPrimary = parseHex(cfg.widget.text_on_primary) || [255, 255, 255];
    if (contrast(primary, onPrimary) < 4.5) {
      onPrimary = contrast(primary, [255, 255, 255]) >= contrast(primary, [17, 17, 17])
        ? [255, 255, 255] : [17, 17, 17];
    }
    // Links and chip text sit on white: use the primary colour only if it is dark enough.
    var ink = contrast(primary, [255, 255, 255]) >= 4.5 ? primary : [27, 31, 35];
    var css = function (rgb) { return 'rgb(' + rgb.join(',') + ')'; };
    root.style.setProperty('--cc-primary', css(primary));
    root.style.setProperty('--cc-on-primary', css(onPrimary));
    root.style.setProperty('--cc-ink', css(ink));
  }

  // ---------------------------------------------------------------- storage

  function storageGet(area, key) {
    try { return window[area].getItem(key); } catch (e) { return null; }
  }
  function storageSet(area, key, value) {
    try { window[area].setItem(key, value); } catch (e) { /* private mode or full: keep in memory */ }
  }

  // A new conversation. Its key authorises fetching messages the widget did not
  // get as replies (live handoff); the sender id is derived from the key
  // (SHA-256), so the key never leaves this browser except to our own server.
  function freshState() {
    var base = { v: 1, senderId: randomId(), messages: [], queue: [], draft: '' };
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle) { return Promise.resolve(base); }  // not a secure context: no live handoff
    var keyBytes = new Uint8Array(32);
    window.crypto.getRandomValues(keyBytes);
    return subtle.digest('SHA-256', keyBytes).then(function (digest) {
      base.key = hex(keyBytes);
      base.senderId = 'web-' + hex(new Uint8Array(digest)).slice(0, 32);
      return base;
    }, function () { return base; });
  }

  function loadState() {
    var raw = storageGet('localStorage', STORAGE_KEY);
    if (raw) {
      try {
        var parsed = JSON.parse(raw);
        if (parsed && parsed.v === 1 && typeof parsed.senderId === 'string' &&
            Array.isArray(parsed.messages) && Array.isArray(parsed.queue)) {
          parsed.draft = typeof parsed.draft === 'string' ? parsed.draft : '';
          return parsed;
        }
      } catch (e) { /* corrupt: start again */ }
    }
    return null;
  }

  function save() {
    if (state.messages.length > MAX_HISTORY) {
      state.messages = state.messages.slice(-MAX_HISTORY);
    }
    storageSet('localStorage', STORAGE_KEY, JSON.stringify(state));
  }

  // --------------------------------------------------------------- rendering

  // Bot and patient text: URLs and phone numbers become links, the rest text nodes.
  function richText(parent, text) {
    var known = [cfg.clinic.phone, cfg.clinic.emergency_number].filter(function (n) {
      return typeof n === 'string' && n.trim();
    }).map(function (n) { return n.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); });
    // Groups: 1 URL; 2 what precedes a known number, 3 the clinic's own numbers
    // (even short ones such as 999); 4 any other phone-like run of 8+ digits.
    var pattern = new RegExp(
      '(https?:\\/\\/[^\\s<>"\']+)' +
      (known.length ? '|(^|[^\\w+])(' + known.join('|') + ')(?!\\w)' : '|()((?!))') +
      '|(\\+?\\d[\\d ().-]{5,}\\d)', 'g');
    var text_ = String(text == null ? '' : text);
    var last = 0, match;
    while ((match = pattern.exec(text_)) !== null) {
      var whole = match[0];
      var start = match.index;
      var node = null;
      var trailing = '';
      if (match[1]) {
        var url = match[1];
        var cut = /[.,;:!?)\]]+$/.exec(url);
        if (cut) { trailing = cut[0]; url = url.slice(0, -cut[0].length); }
        whole = url;
        node = el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: url });
      } else {
        var number = match[3] || match[4];
        var digits = number.replace(/\D/g, '');
        start = match.index + (match[3] ? match[2].length : 0);
        whole = number;
        var dateLike = /^\d{4}-\d{1,2}-\d{1,2}$/.test(number) || /^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/.test(number);
        if (match[3] || (digits.length >= 8 && !dateLike)) {
          node = el('a', { href: telHref(number), class: 'cc-tel', text: number });
        }
      }
      if (!node) { continue; }
      if (start > last) { parent.appendChild(document.createTextNode(text_.slice(last, start))); }
      parent.appendChild(node);
      if (trailing) { parent.appendChild(document.createTextNode(trailing)); }
      last = start + whole.length + trailing.length;
      pattern.lastIndex = last;
    }
    if (last < text_.length) { parent.appendChild(document.createTextNode(text_.slice(last))); }
    return parent;
  }

  function messageNode(msg, showButtons, fresh) {
    if (msg.from === 'user') {
      var user = el('div', { class: 'cc-msg cc-msg--user', 'data-id': msg.id }, [
        el('span', { class: 'cc-sr', text: S.you + ': ' }),
        richText(el('div', { class: 'cc-bubble' }), msg.text)
      ]);
      if (msg.status === 'queued') {
        user.classList.add('cc-msg--queued');
        user.appendChild(el('div', { class: 'cc-status', text: S.queued }));
      }
      return user;
    }
    var wrap = el('div', { class: 'cc-msg cc-msg--bot', 'data-id': msg.id }, [
      el('span', { class: 'cc-sr', text: (msg.staff ? t('staffName', { name: msg.staff }) : S.assistant) + ': ' })
    ]);
    if (msg.staff) {
      wrap.classList.add('cc-msg--staff');
      wrap.appendChild(el('div', { class: 'cc-author', 'aria-hidden': 'true',
        text: t('staffName', { name: msg.staff }) }));
    }
    if (msg.type === 'recovery') {
      wrap.appendChild(recoveryCard(msg.payload || {}));
    } else if (msg.type === 'red_flag') {
      wrap.appendChild(redFlagCard(msg.text, msg.payload || {}, fresh));
    } else {
      wrap.appendChild(richText(el('div', { class: 'cc-bubble' }), msg.text));
    }
    if (showButtons && Array.isArray(msg.buttons) && msg.buttons.length) {
      var group = el('div', { class: 'cc-botbuttons', role: 'group', 'aria-label': S.botButtonsAria });
      msg.buttons.forEach(function (button) {
        group.appendChild(el('button', {
          type: 'button', class: 'cc-chip', text: button.title,
          onclick: function () { send(button.payload, button.title); }
        }));
      });
      wrap.appendChild(group);
    }
    return wrap;
  }

  function topicTitle(key) {
    var topics = S.topics || {};
    if (typeof topics[key] === 'string') { return topics[key]; }
    var text = String(key || '').replace(/_/g, ' ');
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function list(items) {
    var ul = el('ul', { class: 'cc-list' });
    items.forEach(function (children) { ul.appendChild(el('li', {}, children)); });
    return ul;
  }

  function recoveryCard(p) {
    var day = Number.isInteger(p.day) ? p.day : '?';
    var card = el('section', { class: 'cc-card cc-recovery', 'aria-label': t('recoveryCardAria', { day: day }) }, [
      el('div', { class: 'cc-card-head' }, [
        el('p', { class: 'cc-day', text: t('recoveryDay', { day: day }) }),
        p.treatment_date ? el('p', { class: 'cc-card-sub',
          text: t('recoveryTreatedOn', { date: formatDate(p.treatment_date) }) }) : null
      ])
    ]);
    var okNow = Array.isArray(p.ok_now) ? p.ok_now : [];
    if (okNow.length) {
      card.appendChild(el('h3', { class: 'cc-card-h cc-card-h--ok', text: S.recoveryOkNow }));
      card.appendChild(list(okNow.map(function (key) {
        return [el('span', { class: 'cc-mark cc-mark--ok', 'aria-hidden': 'true', text: '✓' }), topicTitle(key)];
      })));
    }
    var notYet = Array.isArray(p.not_yet) ? p.not_yet : [];
    if (notYet.length) {
      card.appendChild(el('h3', { class: 'cc-card-h cc-card-h--no', text: S.recoveryNotYet }));
      card.appendChild(list(notYet.map(function (item) {
        item = item || {};
        return [el('span', { class: 'cc-mark cc-mark--no', 'aria-hidden': 'true', text: '✕' }),
          String(item.title || topicTitle(item.topic)),
          item.from ? el('span', { class: 'cc-when', text: ' ' + t('recoveryFrom', { date: formatDate(item.from) }) }) : null];
      })));
    }
    var next = Array.isArray(p.next_milestones) ? p.next_milestones : [];
    card.appendChild(el('h3', { class: 'cc-card-h', text: S.recoveryNextMilestones }));
    if (next.length) {
      card.appendChild(list(next.map(function (m) {
        m = m || {};
        return [el('span', { class: 'cc-when cc-when--block',
          text: t('recoveryMilestone', { day: m.day, date: formatDate(m.date) }) }), String(m.label || '')];
      })));
    } else {
      card.appendChild(el('p', { class: 'cc-card-p', text: S.recoveryPastMilestones }));
    }
    var all = Array.isArray(p.milestones) ? p.milestones : [];
    if (all.length) {
      card.appendChild(el('button', {
        type: 'button', class: 'cc-cal', 'aria-label': S.addToCalendarAria,
        onclick: function () { downloadCalendar(p); }
      }, [svgIcon(ICON_CALENDAR, 18), el('span', { text: S.addToCalendar })]));
    }
    return card;
  }

  function redFlagCard(text, p, fresh) {
    var phone = typeof p.phone === 'string' && p.phone ? p.phone : cfg.clinic.phone;
    var emergency = typeof p.emergency_number === 'string' ? p.emergency_number : cfg.clinic.emergency_number;
    // Only when the clinic is closed does the card carry the out-of-hours route.
    var outOfHours = typeof p.out_of_hours_number === 'string' ? p.out_of_hours_number : '';
    var outOfHoursService = typeof p.out_of_hours_service === 'string' ? p.out_of_hours_service : '';
    var card = el('div', { class: 'cc-urgent', role: fresh ? 'alert' : null }, [
      el('p', { class: 'cc-urgent-title' }, [el('span', { 'aria-hidden': 'true', text: '⚠ ' }), S.urgentTitle]),
      text ? richText(el('p', { class: 'cc-urgent-text' }), text) : null,
      phone ? el('a', { class: 'cc-urgent-call', href: telHref(phone) }, [
        svgIcon(ICON_PHONE, 22),
        el('span', {}, [el('span', { class: 'cc-urgent-call-label', text: p.open_now === false ? S.urgentCallClosed : S.urgentCall }),
          el('span', { class: 'cc-urgent-call-number', text: phone })])
      ]) : null,
      outOfHours ? el('a', { class: 'cc-urgent-emergency', href: telHref(outOfHours),
        text: t('urgentOutOfHours', { service: outOfHoursService || outOfHours, number: outOfHours }) }) : null,
      emergency ? el('a', { class: 'cc-urgent-emergency', href: telHref(emergency),
        text: t('urgentEmergency', { number: emergency }) }) : null
    ]);
    return card;
  }

  // The bot's own buttons are offered until the patient says something else.
  function renderLog() {
    var log = ui.log;
    while (log.firstChild) { log.removeChild(log.firstChild); }
    log.appendChild(messageNode({ id: 'greeting', from: 'bot', type: 'text',
      text: cfg.widget.greeting || t('greeting') }, false, false));
    var lastUser = -1;
    state.messages.forEach(function (msg, i) { if (msg.from === 'user') { lastUser = i; } });
    state.messages.forEach(function (msg, i) {
      log.appendChild(messageNode(msg, i > lastUser, false));
    });
    log.appendChild(ui.typing);
    scrollToEnd();
  }

  function appendMessages(messages) {
    if (messages.some(function (msg) { return msg.from === 'user'; })) {
      Array.prototype.forEach.call(ui.log.querySelectorAll('.cc-botbuttons'), function (node) { node.remove(); });
    }
    messages.forEach(function (msg) {
      ui.log.insertBefore(messageNode(msg, msg.from === 'bot', true), ui.typing);
    });
    scrollToEnd();
  }

  function updateQueuedMarks() {
    var queued = {};
    state.queue.forEach(function (item) { queued[item.id] = true; });
    state.messages.forEach(function (msg) {
      if (msg.from !== 'user') { return; }
      var node = ui.log.querySelector('[data-id="' + msg.id + '"]');
      if (!node) { return; }
      var status = node.querySelector('.cc-status');
      if (queued[msg.id] && !status) {
        node.classList.add('cc-msg--queued');
        node.appendChild(el('div', { class: 'cc-status', text: S.queued }));
      } else if (!queued[msg.id] && status) {
        node.classList.remove('cc-msg--queued');
        status.remove();
      }
    });
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
    ui.atEnd = true;
  }

  function setTyping(on) {
    ui.typing.hidden = !on;
    if (on) { scrollToEnd(); }
  }

  function showOffline() {
    var notice = ui.notice;
    if (!notice.hidden) { return; }
    while (notice.firstChild) { notice.removeChild(notice.firstChild); }
    notice.appendChild(el('p', { class: 'cc-notice-title', text: S.offlineTitle }));
    notice.appendChild(el('p', { class: 'cc-notice-body' }, [
      S.offlineBody + ' ',
      el('a', { class: 'cc-tel cc-notice-phone', href: telHref(cfg.clinic.phone), text: cfg.clinic.phone }),
      cfg.clinic.opening_hours ? ' (' + t('opening', { hours: cfg.clinic.opening_hours }) + ')' : null,
      '.'
    ]));
    notice.appendChild(el('p', { class: 'cc-notice-retry' }, [
      el('span', { text: S.offlineRetrying + ' ' }),
      el('button', { type: 'button', class: 'cc-linkbutton', text: S.retryNow,
        onclick: function () { retryNow(); } })
    ]));
    notice.hidden = false;
  }

  function hideOffline() {
    ui.notice.hidden = true;
    while (ui.notice.firstChild) { ui.notice.removeChild(ui.notice.firstChild); }
  }

  // ----------------------------------------------------------------- sending

  function send(message, display) {
    message = String(message == null ? '' : message).trim();
    if (!message) { return; }
    var id = randomId();
    var msg = { id: id, from: 'user', type: 'text', text: display || message, time: Date.now() };
    state.messages.push(msg);
    state.queue.push({ id: id, message: message });
    save();
    appendMessages([msg]);
    if (!ui.notice.hidden) { updateQueuedMarks(); }
    pump();
  }

  function postToBot(message) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    var metadata = {};
    var tz = browserTimezone();
    if (tz) { metadata.timezone = tz; }
    var url = String(cfg.botUrl || '').replace(/\/+$/, '') + '/webhooks/rest/webhook';
    return fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sender: state.senderId, message: message, metadata: metadata }),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error('bot answered HTTP ' + response.status); }
      return response.json();
    }).then(function (data) {
      if (!Array.isArray(data)) { throw new Error('unexpected answer from the bot'); }
      return data;
    }).finally(function () { if (timer) { clearTimeout(timer); } });
  }

  function cleanButtons(buttons) {
    if (!Array.isArray(buttons)) { return undefined; }
    var clean = buttons.filter(function (b) {
      return b && typeof b.title === 'string' && b.title && typeof b.payload === 'string' && b.payload;
    }).map(function (b) { return { title: b.title, payload: b.payload }; });
    return clean.length ? clean : undefined;
  }

  function botMessages(replies) {
    var out = [];
    replies.forEach(function (reply) {
      if (!reply || typeof reply !== 'object') { return; }
      if (typeof reply.text === 'string' && reply.text.trim()) {
        out.push({ id: randomId(), from: 'bot', type: 'text', text: reply.text,
          buttons: cleanButtons(reply.buttons), time: Date.now(),
          staff: typeof reply.staff === 'string' && reply.staff ? reply.staff : undefined });
      }
      var custom = reply.custom;
      if (custom && typeof custom === 'object') {
        if (custom.type === 'recovery') {
          out.push({ id: randomId(), from: 'bot', type: 'recovery', payload: custom, time: Date.now() });
        } else if (custom.type === 'handoff' && custom.status === 'waiting') {
          state.handoff = 'waiting';
          schedulePoll(HANDOFF_POLL_MS);
        } else if (custom.type === 'red_flag') {
          var previous = out[out.length - 1];
          // The urgent text (with its "Request a call back" button) becomes the card.
          if (previous && previous.type === 'text') {
            previous.type = 'red_flag';
            previous.payload = custom;
          } else {
            out.push({ id: randomId(), from: 'bot', type: 'red_flag', text: '', payload: custom, time: Date.now() });
          }
        }
      }
    });
    return out;
  }

  function pump() {
    if (sending || !state.queue.length) { return; }
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    sending = true;
    setTyping(true);
    var myGeneration = generation;
    var item = state.queue[0];
    postToBot(item.message).then(function (replies) {
      if (myGeneration !== generation) { return; }
      sending = false;
      failures = 0;
      state.queue.shift();
      var messages = botMessages(replies);
      // While a member of staff has the chat the bot is silent on purpose.
      if (!messages.length && state.handoff !== 'staff') {
        messages = [{ id: randomId(), from: 'bot', type: 'text', text: t('noAnswer'), time: Date.now() }];
      }
      state.messages = state.messages.concat(messages);
      save();
      hideOffline();
      updateQueuedMarks();
      if (messages.length) {
        appendMessages(messages);
        if (!isOpen()) { ui.launcher.classList.add('cc-launcher--unread'); }
      }
      if (state.queue.length) { pump(); } else { setTyping(false); }
    }, function (error) {
      if (myGeneration !== generation) { return; }
      sending = false;
      setTyping(false);
      failures += 1;
      if (window.console) { console.warn('clinic chat: the assistant could not be reached:', error && error.message); }
      showOffline();
      updateQueuedMarks();
      scheduleRetry();
    });
  }

  // ------------------------------------------------------------ live handoff

  function handoffActive() { return state.handoff === 'waiting' || state.handoff === 'staff'; }

  function schedulePoll(delay) {
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    if (!state.key || !handoffActive()) { return; }
    pollTimer = setTimeout(pollHandoff, delay);
  }

  function pollHandoff() {
    pollTimer = null;
    if (polling || !state.key || !handoffActive()) { return; }
    polling = true;
    var myGeneration = generation;
    var body = { sender: state.senderId, key: state.key,
      after: typeof state.cursor === 'number' ? state.cursor : null };
    // text/plain keeps this a simple request (no CORS preflight); the key is in
    // the body, never in a URL or a log line.
    fetch(new URL('conversation/messages', BASE).href, {
      method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body),
      credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer'
    }).then(function (response) {
      if (!response.ok) { throw new Error('messages: HTTP ' + response.status); }
      return response.json();
    }).then(function (data) {
      polling = false;
      if (myGeneration !== generation || !data || typeof data !== 'object') { return; }
      var stored = loadState();
      if (stored && stored.senderId === state.senderId && typeof stored.cursor === 'number' &&
          typeof data.cursor === 'number' && stored.cursor >= data.cursor) {
        state = stored;  // another tab already added these
      } else {
        var messages = botMessages(Array.isArray(data.messages) ? data.messages : []);
        if (typeof data.cursor === 'number') { state.cursor = data.cursor; }
        if (messages.length) {
          state.messages = state.messages.concat(messages);
          appendMessages(messages);
          if (!isOpen()) { ui.launcher.classList.add('cc-launcher--unread'); }
        }
      }
      state.handoff = data.handoff === 'waiting' || data.handoff === 'staff' ? data.handoff : null;
      save();
      schedulePoll(HANDOFF_POLL_MS);
    }, function (error) {
      polling = false;
      if (window.console) { console.warn('clinic chat: staff messages could not be fetched:', error && error.message); }
      schedulePoll(HANDOFF_RETRY_MS);
    });
  }

  function scheduleRetry() {
    var min = Number(cfg.retryMinDelayMs) > 0 ? Number(cfg.retryMinDelayMs) : 1000;
    var max = Number(cfg.retryMaxDelayMs) > 0 ? Number(cfg.retryMaxDelayMs) : 30000;
    var delay = Math.min(max, min * Math.pow(2, Math.max(0, failures - 1)));
    delay = Math.round(delay * (0.8 + Math.random() * 0.4));
    if (retryTimer) { clearTimeout(retryTimer); }
    retryTimer = setTimeout(function () { retryTimer = null; pump(); }, delay);
  }

  function retryNow() {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    pump();
  }

  // ---------------------------------------------------------------- calendar

  function icsEscape(text) {
    return String(text == null ? '' : text)
      .replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,')
      .replace(/\r\n|\r|\n/g, '\\n');
  }

  // RFC 5545 3.1: lines longer than 75 octets are folded (CRLF + one space).
  function icsFold(line) {
    var encoder = new TextEncoder();
    var out = [], current = '', size = 0;
    Array.from(line).forEach(function (ch) {
      var n = encoder.encode(ch).length;
      var limit = out.length ? 74 : 75;
      if (size + n > limit) { out.push(current); current = ''; size = 0; }
      current += ch;
      size += n;
    });
    out.push(current);
    return out.join('\r\n ');
  }

  function icsDate(date) {
    return date.getUTCFullYear() + ('0' + (date.getUTCMonth() + 1)).slice(-2) + ('0' + date.getUTCDate()).slice(-2);
  }

  function buildCalendar(p) {
    var now = new Date();
    var stamp = icsDate(now) + 'T' + ('0' + now.getUTCHours()).slice(-2) +
      ('0' + now.getUTCMinutes()).slice(-2) + ('0' + now.getUTCSeconds()).slice(-2) + 'Z';
    var host = SCRIPT_URL.hostname || 'clinic-chat';
    var lines = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//' + icsEscape(cfg.clinic.name || 'Clinic').replace(/\/\//g, '/') + '//Clinic chat widget//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'X-WR-CALNAME:' + icsEscape(cfg.clinic.name || '')
    ];
    (Array.isArray(p.milestones) ? p.milestones : []).forEach(function (m) {
      var start = isoToUtcDate(m && m.date);
      if (!start) { return; }
      var end = new Date(start.getTime() + 86400000);
      var key = String(m.key || 'milestone').replace(/[^A-Za-z0-9_-]/g, '');
      lines.push(
        'BEGIN:VEVENT',
        'UID:' + icsEscape(String(p.treatment_date || '') + '-' + key + '@' + host),
        'DTSTAMP:' + stamp,
        'DTSTART;VALUE=DATE:' + icsDate(start),
        'DTEND;VALUE=DATE:' + icsDate(end),
        'SUMMARY:' + icsEscape(t('calendarSummary', { label: m.label || key, day: m.day })),
        'DESCRIPTION:' + icsEscape(t('calendarDescription', { date: formatDate(p.treatment_date) })),
        'TRANSP:TRANSPARENT',
        'END:VEVENT'
      );
    });
    lines.push('END:VCALENDAR');
    return lines.map(icsFold).join('\r\n') + '\r\n';
  }

  function downloadCalendar(p) {
    var blob = new Blob([buildCalendar(p)], { type: 'text/calendar;charset=utf-8' });
    var url = URL.createObjectURL(blob);
    var link = el('a', { href: url, download: S.calendarFileName, class: 'cc-sr' });
    ui.root.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    ui.status.textContent = S.calendarDownloaded;
  }

  // -------------------------------------------------------------- open/close

  function isOpen() { return ui.root.getAttribute('data-open') === 'true'; }
  function isPhoneLayout() { return window.matchMedia && window.matchMedia(PHONE_LAYOUT).matches; }

  var savedOverflow = null;
  function lockPageScroll(lock) {
    var html = document.documentElement;
    if (lock && isPhoneLayout()) {
      if (savedOverflow === null) { savedOverflow = html.style.overflow; }
      html.style.overflow = 'hidden';
    } else if (savedOverflow !== null) {
      html.style.overflow = savedOverflow;
      savedOverflow = null;
    }
  }

  function open(focusInput) {
    ui.root.setAttribute('data-open', 'true');
    ui.panel.hidden = false;
    ui.launcher.setAttribute('aria-expanded', 'true');
    ui.launcher.setAttribute('aria-label', S.closeAria);
    ui.launcher.classList.remove('cc-launcher--unread');
    // Full screen on phones: the page behind is out of reach, as in a modal dialog.
    ui.panel.setAttribute('aria-modal', isPhoneLayout() ? 'true' : 'false');
    storageSet('sessionStorage', OPEN_KEY, '1');
    lockPageScroll(true);
    scrollToEnd();
    if (focusInput !== false) { ui.input.focus(); }
  }

  function close() {
    ui.root.setAttribute('data-open', 'false');
    ui.panel.hidden = true;
    ui.launcher.setAttribute('aria-expanded', 'false');
    ui.launcher.setAttribute('aria-label', t('launcherAria'));
    storageSet('sessionStorage', OPEN_KEY, '0');
    lockPageScroll(false);
    ui.launcher.focus();
  }

  function focusables() {
    return Array.prototype.filter.call(
      ui.panel.querySelectorAll('a[href], button:not([disabled]), input:not([disabled]), [tabindex="0"]'),
      function (node) { return !node.closest('[hidden]') && node.getClientRects().length > 0; });
  }

  function onPanelKeydown(event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      if (!ui.confirm.hidden) { hideConfirm(); return; }
      if (!ui.dateForm.hidden) { hideDateForm(); return; }
      close();
      return;
    }
    if (event.key === 'Tab' && isPhoneLayout()) {
      // Full-screen on phones: keep focus inside the chat like a dialog.
      var items = focusables();
      if (!items.length) { return; }
      var active = ui.shadow.activeElement;
      if (event.shiftKey && active === items[0]) { event.preventDefault(); items[items.length - 1].focus(); }
      else if (!event.shiftKey && active === items[items.length - 1]) { event.preventDefault(); items[0].focus(); }
    }
  }

  // ------------------------------------------------------------- date picker

  function showDateForm() {
    ui.dateForm.hidden = false;
    ui.dateChip.setAttribute('aria-expanded', 'true');
    ui.dateError.textContent = '';
    ui.dateInput.max = localIsoToday();
    ui.dateInput.focus();
    try { if (typeof ui.dateInput.showPicker === 'function') { ui.dateInput.showPicker(); } }
    catch (e) { /* needs a user gesture in some browsers; the field is there anyway */ }
  }

  function hideDateForm() {
    ui.dateForm.hidden = true;
    ui.dateChip.setAttribute('aria-expanded', 'false');
    ui.dateChip.focus();
  }

  function submitDate(event) {
    event.preventDefault();
    var value = ui.dateInput.value;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      ui.dateError.textContent = S.dateInvalid;
      ui.dateInput.focus();
      return;
    }
    ui.dateForm.hidden = true;
    ui.dateChip.setAttribute('aria-expanded', 'false');
    ui.dateInput.value = '';
    send(value, t('dateMessage', { date: formatDate(value) }));
    ui.input.focus();
  }

  // -------------------------------------------------------------- start over

  function showConfirm() {
    ui.confirm.hidden = false;
    ui.confirmYes.focus();
  }
  function hideConfirm() {
    ui.confirm.hidden = true;
    ui.startOver.focus();
  }
  function startOver() {
    generation += 1;
    var myGeneration = generation;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    sending = false;
    failures = 0;
    freshState().then(function (fresh) {
      if (myGeneration === generation) { startedOver(fresh); }
    });
  }
  function startedOver(fresh) {
    state = fresh;
    save();
    ui.confirm.hidden = true;
    ui.dateForm.hidden = true;
    ui.input.value = '';
    hideOffline();
    setTyping(false);
    renderLog();
    ui.input.focus();
  }

  // ------------------------------------------------------------------ build

  function build() {
    var host = el('div', { id: 'clinic-chat', 'data-clinic-chat': '' });
    // Shadow DOM keeps the clinic site's own CSS out of the widget and ours out of the site.
    var shadow = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
    ui.shadow = host.attachShadow ? shadow : document;
    var cssLoaded = new Promise(function (resolve) {
      var link = el('link', { rel: 'stylesheet', href: new URL('clinic-chat.css', BASE).href });
      link.addEventListener('load', resolve);
      link.addEventListener('error', resolve);
      setTimeout(resolve, 4000);
      shadow.appendChild(link);
    });

    var root = el('div', { class: 'cc', 'data-open': 'false', lang: (S.locale || 'en').split('-')[0] });
    ui.root = root;
    applyTheme(root);

    ui.launcher = el('button', {
      type: 'button', class: 'cc-launcher', 'aria-expanded': 'false', 'aria-controls': 'cc-panel',
      'aria-label': t('launcherAria'),
      onclick: function () { if (isOpen()) { close(); } else { open(); } }
    }, [svgIcon(ICON_CHAT, 26), el('span', { class: 'cc-launcher-text', text: S.launcher }),
      el('span', { class: 'cc-launcher-dot', 'aria-hidden': 'true' })]);

    ui.startOver = el('button', { type: 'button', class: 'cc-headbutton', 'aria-label': S.startOverAria,
      text: S.startOver, onclick: showConfirm });
    var closeButton = el('button', { type: 'button', class: 'cc-headbutton cc-close', 'aria-label': S.closeAria,
      title: S.close, onclick: close }, [svgIcon(ICON_CLOSE, 22)]);

    ui.confirmYes = el('button', { type: 'button', class: 'cc-button cc-button--primary',
      text: S.startOverConfirm, onclick: startOver });
    ui.confirm = el('div', { class: 'cc-confirm', role: 'group', 'aria-label': S.startOverAria, hidden: true }, [
      el('p', { text: S.startOverQuestion }),
      el('div', { class: 'cc-confirm-actions' }, [ui.confirmYes,
        el('button', { type: 'button', class: 'cc-button', text: S.cancel, onclick: hideConfirm })])
    ]);

    ui.notice = el('div', { class: 'cc-notice', role: 'alert', hidden: true });
    ui.log = el('div', { class: 'cc-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions',
      'aria-label': S.logAria, tabindex: '0' });
    ui.typing = el('div', { class: 'cc-typing', hidden: true }, [
      el('span', { class: 'cc-dots', 'aria-hidden': 'true' }, [el('span'), el('span'), el('span')]),
      el('span', { class: 'cc-sr', text: S.typing })
    ]);
    ui.status = el('div', { class: 'cc-sr', role: 'status' });
    // Keep the newest message in view when the log shrinks (date form, phone keyboard),
    // unless the patient has scrolled up to read.
    ui.atEnd = true;
    ui.log.addEventListener('scroll', function () {
      ui.atEnd = ui.log.scrollTop + ui.log.clientHeight >= ui.log.scrollHeight - 40;
    });
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(function () { if (ui.atEnd) { scrollToEnd(); } }).observe(ui.log);
    }

    ui.dateChip = el('button', { type: 'button', class: 'cc-chip cc-chip--date', 'aria-expanded': 'false',
      'aria-controls': 'cc-dateform', onclick: function () { if (ui.dateForm.hidden) { showDateForm(); } else { hideDateForm(); } }
    }, [svgIcon(ICON_CALENDAR, 18), el('span', { text: S.dateButton })]);
    var quick = el('div', { class: 'cc-quick', role: 'group', 'aria-label': S.quickRepliesAria }, [ui.dateChip]);
    var replies = Array.isArray(cfg.widget.quick_replies) && cfg.widget.quick_replies.length
      ? cfg.widget.quick_replies : (S.defaultQuickReplies || []);
    replies.forEach(function (reply) {
      if (!reply || typeof reply.title !== 'string' || typeof reply.message !== 'string') { return; }
      quick.appendChild(el('button', { type: 'button', class: 'cc-chip', text: reply.title,
        onclick: function () { send(reply.message); } }));
    });

    ui.dateInput = el('input', { type: 'date', id: 'cc-date', class: 'cc-dateinput', required: true });
    ui.dateError = el('p', { class: 'cc-error', 'aria-live': 'polite' });
    ui.dateForm = el('form', { class: 'cc-dateform', id: 'cc-dateform', hidden: true, novalidate: true,
      onsubmit: submitDate }, [
      el('label', { for: 'cc-date', class: 'cc-datelabel', text: S.dateLabel }),
      el('div', { class: 'cc-daterow' }, [
        ui.dateInput,
        el('button', { type: 'submit', class: 'cc-button cc-button--primary', text: S.dateSend }),
        el('button', { type: 'button', class: 'cc-button', text: S.dateCancel, onclick: hideDateForm })
      ]),
      ui.dateError
    ]);

    ui.input = el('input', { type: 'text', id: 'cc-input', class: 'cc-input', autocomplete: 'off',
      enterkeyhint: 'send', maxlength: '1000', placeholder: S.inputPlaceholder });
    ui.input.value = state.draft || '';
    ui.input.addEventListener('input', function () {
      clearTimeout(saveDraftTimer);
      saveDraftTimer = setTimeout(function () { state.draft = ui.input.value; save(); }, 300);
    });
    var compose = el('form', { class: 'cc-compose', onsubmit: function (event) {
      event.preventDefault();
      var text = ui.input.value;
      if (!text.trim()) { ui.input.focus(); return; }
      ui.input.value = '';
      clearTimeout(saveDraftTimer);
      state.draft = '';
      send(text);
      ui.input.focus();
    } }, [
      el('label', { for: 'cc-input', class: 'cc-sr', text: S.inputLabel }),
      ui.input,
      el('button', { type: 'submit', class: 'cc-send', 'aria-label': S.sendAria, title: S.send },
        [svgIcon(ICON_SEND, 22)])
    ]);

    ui.panel = el('div', { class: 'cc-panel', id: 'cc-panel', role: 'dialog', 'aria-labelledby': 'cc-title',
      'aria-describedby': 'cc-subtitle', hidden: true, onkeydown: onPanelKeydown }, [
      el('div', { class: 'cc-header' }, [
        el('div', { class: 'cc-titles' }, [
          el('h2', { id: 'cc-title', class: 'cc-title', text: t('panelTitle') }),
          el('p', { id: 'cc-subtitle', class: 'cc-subtitle', text: S.panelSubtitle })
        ]),
        ui.startOver,
        closeButton
      ]),
      ui.confirm,
      ui.notice,
      ui.log,
      ui.status,
      el('div', { class: 'cc-footer' }, [quick, ui.dateForm, compose])
    ]);

    root.appendChild(ui.panel);
    root.appendChild(ui.launcher);
    renderLog();
    root.hidden = true;
    shadow.appendChild(root);
    (document.body || document.documentElement).appendChild(host);

    cssLoaded.then(function () {
      root.hidden = false;
      if (storageGet('sessionStorage', OPEN_KEY) === '1') { open(false); }
      if (state.queue.length) { pump(); }
      schedulePoll(0);
    });

    window.addEventListener('online', function () { if (state.queue.length && !sending) { retryNow(); } });
    window.addEventListener('storage', function (event) {
      // Another tab of the same site changed the conversation: show it here too.
      if (event.key !== STORAGE_KEY || sending) { return; }
      state = loadState() || state;
      renderLog();
    });
  }

  // ------------------------------------------------------------------- start

  function fetchJson(url) {
    return fetch(url, { credentials: 'omit', cache: 'no-cache' }).then(function (response) {
      if (!response.ok) { throw new Error(url + ': HTTP ' + response.status); }
      return response.json();
    });
  }

  function start() {
    var configUrl = USER.configUrl === false ? null : new URL(USER.configUrl || 'widget-config.json', BASE).href;
    var serverConfig = configUrl ? fetchJson(configUrl).catch(function (error) {
      if (window.console) { console.warn('clinic chat: no server configuration:', error.message); }
      return {};
    }) : Promise.resolve({});
    serverConfig.then(function (server) {
      server = server && typeof server === 'object' ? server : {};
      cfg = {
        botUrl: USER.botUrl || server.botUrl || '',
        clinic: Object.assign({ name: '', phone: '', opening_hours: '', emergency_number: '' },
          server.clinic || {}, USER.clinic || {}),
        widget: Object.assign({}, server.widget || {}, USER.widget || {}),
        strings: USER.strings || (server.widget && server.widget.strings) || server.strings || 'strings.en.json',
        retryMinDelayMs: USER.retryMinDelayMs,
        retryMaxDelayMs: USER.retryMaxDelayMs
      };
      return fetchJson(new URL(cfg.strings, BASE).href);
    }).then(function (strings) {
      if (!strings || typeof strings !== 'object') { throw new Error('strings file is not a JSON object'); }
      S = strings;
      if (!cfg.botUrl) { throw new Error('no botUrl configured'); }
      var stored = loadState();
      return stored || freshState();
    }).then(function (loaded) {
      state = loaded;
      build();
    }).catch(function (error) {
      if (window.console) { console.error('clinic chat could not start:', error && error.message); }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
