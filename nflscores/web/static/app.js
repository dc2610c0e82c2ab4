// The live scoreboard: one EventSource on /api/livescore, each `update` applied in place.
"use strict";

(() => {
  const board = document.getElementById("board");
  const empty = document.getElementById("empty");
  const weekTitle = document.getElementById("week-title");
  const connection = document.getElementById("connection");
  const updated = document.getElementById("updated");
  const template = document.getElementById("game-card");

  const ROUNDS = {
    wildcard: "Wild Card",
    divisional: "Divisional round",
    conference: "Conference championships",
    probowl: "Pro Bowl",
    superbowl: "Super Bowl",
  };
  const QUARTERS = { 1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "OT" };
  const IN_PLAY = new Set(["in_progress", "halftime"]);
  const MAX_RETRY_MS = 30000;

  const cards = new Map(); // game id -> its <li>
  const team = new URLSearchParams(location.search).get("team");
  let source = null;
  let lastEventId = "";
  let retryMs = 1000;

  function streamUrl() {
    const query = new URLSearchParams();
    if (team) query.set("team", team);
    // A new EventSource forgets the last id; the query carries it (API.md).
    if (lastEventId) query.set("last_event_id", lastEventId);
    const text = query.toString();
    return "/api/livescore" + (text ? "?" + text : "");
  }

  function setConnection(state) {
    connection.dataset.state = state;
    connection.querySelector(".label").textContent = state;
  }

  function connect() {
    setConnection("connecting");
    source = new EventSource(streamUrl());
    source.addEventListener("open", () => {
      setConnection("live");
      retryMs = 1000;
    });
    source.addEventListener("update", (event) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      render(JSON.parse(event.data));
    });
    source.addEventListener("error", () => {
      if (source.readyState !== EventSource.CLOSED) {
        setConnection("reconnecting"); // the browser retries by itself
        return;
      }
      // The browser gave up (an HTTP error, say): try again ourselves, backing off.
      setConnection("offline");
      source.close();
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    });
  }

  function weekLabel(week) {
    if (week.season_type === "PRE") return `${week.season} preseason week ${week.week}`;
    if (week.season_type === "POST") return `${week.season} ${ROUNDS[week.slug] || week.slug}`;
    return `${week.season} week ${week.week}`;
  }

  function kickoffLabel(game) {
    const kickoff = new Date(game.kickoff);
    return kickoff.toLocaleString([], { weekday: "short", hour: "numeric", minute: "2-digit" });
  }

  function statusLabel(game) {
    switch (game.status) {
      case "scheduled":
        return kickoffLabel(game);
      case "in_progress":
        return [QUARTERS[game.quarter] || "", game.clock || ""].join(" ").trim();
      case "halftime":
        return "Halftime";
      case "final":
        return "Final";
      case "final_overtime":
        return "Final/OT";
      default:
        return game.raw_status ? `Suspended (${game.raw_status})` : "Suspended";
    }
  }

  function cardFor(game) {
    let card = cards.get(game.id);
    if (!card) {
      card = template.content.firstElementChild.cloneNode(true);
      card.dataset.game = game.id;
      cards.set(game.id, card);
    }
    return card;
  }

  function renderSide(card, game, sideName) {
    const side = game[sideName];
    const row = card.querySelector(`.team[data-side="${sideName}"]`);
    row.querySelector(".code").textContent = side.team;
    row.querySelector(".nickname").textContent = side.nickname;
    const score = row.querySelector(".score");
    const text = side.score === null ? "" : String(side.score);
    if (score.textContent !== text) {
      if (score.textContent !== "") {
        score.classList.remove("bumped");
        void score.offsetWidth; // restart the flash animation
        score.classList.add("bumped");
      }
      score.textContent = text;
    }
    row.classList.toggle("has-ball", game.possession !== null && game.possession === side.team);
    const other = game[sideName === "home" ? "away" : "home"];
    const over = game.status === "final" || game.status === "final_overtime";
    row.classList.toggle("winner", over && side.score > other.score);
  }

  function renderGame(game) {
    const card = cardFor(game);
    const inPlay = IN_PLAY.has(game.status);
    card.classList.toggle("in-play", inPlay);
    card.classList.toggle("final", game.status === "final" || game.status === "final_overtime");
    card.classList.toggle("red-zone", inPlay && game.red_zone === true);
    card.dataset.status = game.status;
    card.querySelector(".status").textContent = statusLabel(game);
    renderSide(card, game, "away");
    renderSide(card, game, "home");
    return card;
  }

  function render(week) {
    weekTitle.textContent = weekLabel(week);
    document.title = `nflscores · ${weekLabel(week)}`;
    const seen = new Set();
    week.games.forEach((game, index) => {
      const card = renderGame(game);
      seen.add(game.id);
      if (board.children[index] !== card) board.insertBefore(card, board.children[index] || null);
    });
    for (const [id, card] of cards) {
      if (!seen.has(id)) {
        card.remove();
        cards.delete(id);
      }
    }
    empty.hidden = week.games.length > 0;
    const at = new Date(week.updated_at);
    updated.dateTime = week.updated_at;
    updated.textContent = at.toLocaleTimeString();
  }

  connect();
})();
