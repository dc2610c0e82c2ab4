// The scoreboard page: the live week by default (one EventSource on /api/livescore), any past
// week, the standings and a club's season, each at an address of its own (docs/api.md).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const board = $("board");
  const empty = $("empty");
  const weekTitle = $("week-title");
  const connection = $("connection");
  const updated = $("updated");
  const staleMark = $("stale");
  const notice = $("notice");
  const template = $("game-card");
  const views = { board: $("view-board"), standings: $("view-standings"), club: $("view-club") };
  const pickSeason = $("pick-season");
  const pickWeek = $("pick-week");
  const pickTeam = $("pick-team");
  const onlyMine = $("only-mine");

  const ROUNDS = {
    wildcard: "Wild Card",
    divisional: "Divisional round",
    conference: "Conference championships",
    probowl: "Pro Bowl",
    superbowl: "Super Bowl",
  };
  const QUARTERS = { 1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "OT" };
  const DOWNS = { 1: "1st", 2: "2nd", 3: "3rd", 4: "4th" };
  const IN_PLAY = new Set(["in_progress", "halftime"]);
  const FINAL = new Set(["final", "final_overtime"]);
  // Today's club codes; the API takes any code a club ever used, the page marks its old ones.
  const CLUBS = ["ARI", "ATL", "BAL", "BUF", "CAR", "CHI", "CIN", "CLE", "DAL", "DEN", "DET",
    "GB", "HOU", "IND", "JAX", "KC", "LA", "LAC", "LV", "MIA", "MIN", "NE", "NO", "NYG", "NYJ",
    "PHI", "PIT", "SEA", "SF", "TB", "TEN", "WAS"];
  const FORMER_CODES = { JAX: ["JAC"], LA: ["STL"], LAC: ["SD"], LV: ["OAK"] };
  const FIRST_SEASON = 1999;
  const MAX_RETRY_MS = 30000;
  // With no event for this long, what the page shows may be out of date.
  const STALE_AFTER_MS = 45000;
  const MY_TEAM_KEY = "nflscores.team";
  const ONLY_MINE_KEY = "nflscores.onlyMine";

  const cards = new Map(); // game id -> its <li>
  let liveWeek = null; // the live week as the stream last told it
  let source = null;
  let lastEventId = "";
  let retryMs = 1000;
  let retryTimer = null;
  let lastEventAt = Date.now();
  let view = "live";

  // ---- my team -------------------------------------------------------------------------

  function readStored(key) {
    try {
      return localStorage.getItem(key) || "";
    } catch {
      return ""; // storage can be off (private windows): the page still works without it
    }
  }

  function store(key, value) {
    try {
      if (value) localStorage.setItem(key, value);
      else localStorage.removeItem(key);
    } catch {
      // not remembered, nothing else lost
    }
  }

  function myCodes() {
    const mine = pickTeam.value;
    return mine ? new Set([mine, ...(FORMER_CODES[mine] || [])]) : new Set();
  }

  function streamTeams() {
    const fromUrl = new URLSearchParams(location.search).get("team");
    if (fromUrl) return fromUrl;
    return onlyMine.checked && pickTeam.value ? [...myCodes()].join(",") : "";
  }

  // ---- the live stream -----------------------------------------------------------------

  function streamUrl() {
    const query = new URLSearchParams({ events: "games" });
    const teams = streamTeams();
    if (teams) query.set("team", teams);
    // A new EventSource forgets the last id; the query carries it.
    if (lastEventId) query.set("last_event_id", lastEventId);
    return "/api/livescore?" + query.toString();
  }

  function setConnection(state) {
    connection.dataset.state = state;
    connection.querySelector(".label").textContent = state;
  }

  function connect() {
    clearTimeout(retryTimer);
    if (source) source.close();
    setConnection("connecting");
    source = new EventSource(streamUrl());
    source.addEventListener("open", () => {
      setConnection("live");
      retryMs = 1000;
    });
    source.addEventListener("update", (event) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      lastEventAt = Date.now();
      liveWeek = JSON.parse(event.data);
      if (view === "live") {
        render(liveWeek, false);
        followLiveWeek(liveWeek);
      }
    });
    source.addEventListener("game", (event) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      lastEventAt = Date.now();
      if (!liveWeek) return; // a delta before any snapshot: the next update brings it all
      applyDelta(liveWeek, JSON.parse(event.data));
      if (view === "live") render(liveWeek, false);
    });
    source.addEventListener("error", () => {
      if (source.readyState !== EventSource.CLOSED) {
        setConnection("reconnecting"); // the browser retries by itself
        return;
      }
      // The browser gave up (an HTTP error, say): try again ourselves, backing off.
      setConnection("offline");
      source.close();
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    });
  }

  function followLiveWeek(week) {
    // On the live view the picker starts at the live week, one step from its neighbours.
    if (new URLSearchParams(location.search).get("season")) return;
    if (pickSeason.value !== String(week.season)) {
      pickSeason.value = String(week.season);
      fillWeeks(week.season, week.slug);
    } else if (pickWeek.value !== week.slug && pickWeek.querySelector(`option[value="${week.slug}"]`)) {
      pickWeek.value = week.slug;
    }
  }

  function disconnect() {
    clearTimeout(retryTimer);
    if (source) source.close();
    source = null;
    setConnection("paused");
  }

  function applyDelta(week, delta) {
    if (delta.season !== week.season || delta.slug !== week.slug) return;
    const byId = new Map(week.games.map((game, index) => [game.id, index]));
    for (const game of delta.games) {
      if (byId.has(game.id)) week.games[byId.get(game.id)] = game;
      else week.games.push(game);
    }
    week.games.sort((a, b) => (a.kickoff < b.kickoff ? -1 : a.kickoff > b.kickoff ? 1 : a.id < b.id ? -1 : 1));
  }

  // ---- labels --------------------------------------------------------------------------

  function weekLabel(week) {
    if (week.season_type === "PRE") return `${week.season} preseason week ${week.week}`;
    if (week.season_type === "POST") return `${week.season} ${ROUNDS[week.slug] || week.slug}`;
    return `${week.season} week ${week.week}`;
  }

  function slugLabel(slug) {
    if (slug.startsWith("pre-")) return `Preseason ${slug.slice(4)}`;
    return ROUNDS[slug] || `Week ${slug}`;
  }

  function kickoffLabel(iso) {
    return new Date(iso).toLocaleString([], { weekday: "short", hour: "numeric", minute: "2-digit" });
  }

  function statusLabel(game) {
    switch (game.status) {
      case "scheduled":
        return kickoffLabel(game.kickoff);
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

  function situationLabel(game) {
    const situation = game.situation;
    if (!IN_PLAY.has(game.status) || !situation) return "";
    if (situation.text) return situation.text;
    if (!situation.down) return "";
    const spot = situation.yard_line ? ` at ${situation.yard_line}` : "";
    return `${DOWNS[situation.down] || situation.down} & ${situation.distance ?? "?"}${spot}`;
  }

  // ---- the board of games --------------------------------------------------------------

  function cardFor(game) {
    let card = cards.get(game.id);
    if (!card) {
      card = template.content.firstElementChild.cloneNode(true);
      card.dataset.game = game.id;
      cards.set(game.id, card);
    }
    return card;
  }

  function clubHref(season, code) {
    return `/?season=${season}&club=${encodeURIComponent(code)}`;
  }

  function renderSide(card, game, sideName, season) {
    const side = game[sideName];
    const row = card.querySelector(`.team[data-side="${sideName}"]`);
    const code = row.querySelector(".code");
    code.textContent = side.team;
    code.href = clubHref(season, side.team);
    code.dataset.nav = "";
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
    row.classList.toggle("winner", FINAL.has(game.status) && side.score > other.score);
  }

  function renderLinescore(card, game) {
    const table = card.querySelector(".linescore");
    const home = game.home.linescore;
    const away = game.away.linescore;
    const shown = (IN_PLAY.has(game.status) || FINAL.has(game.status)) && home && away;
    table.hidden = !shown;
    if (!shown) return;
    const periods = Math.max(home.length, away.length);
    const head = ["", ...Array.from({ length: periods }, (_, i) => (i < 4 ? String(i + 1) : "OT"))];
    fillRow(table.querySelector("thead tr"), head, "th");
    fillRow(table.querySelector('tr[data-side="away"]'), [game.away.team, ...away], "td");
    fillRow(table.querySelector('tr[data-side="home"]'), [game.home.team, ...home], "td");
  }

  function fillRow(row, values, cell) {
    row.replaceChildren(...values.map((value) => {
      const element = document.createElement(cell);
      element.textContent = value === null || value === undefined ? "" : String(value);
      return element;
    }));
  }

  function renderGame(game, season) {
    const card = cardFor(game);
    const inPlay = IN_PLAY.has(game.status);
    card.classList.toggle("in-play", inPlay);
    card.classList.toggle("final", FINAL.has(game.status));
    card.classList.toggle("red-zone", inPlay && game.red_zone === true);
    const mine = myCodes();
    card.classList.toggle("mine", mine.has(game.home.team) || mine.has(game.away.team));
    card.dataset.status = game.status;
    card.querySelector(".status").textContent = statusLabel(game);
    renderSide(card, game, "away", season);
    renderSide(card, game, "home", season);
    card.querySelector(".situation").textContent = situationLabel(game);
    renderLinescore(card, game);
    return card;
  }

  function render(week, stale) {
    weekTitle.textContent = weekLabel(week);
    document.title = `nflscores · ${weekLabel(week)}`;
    const seen = new Set();
    week.games.forEach((game, index) => {
      const card = renderGame(game, week.season);
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
    updated.dateTime = week.updated_at;
    updated.textContent = new Date(week.updated_at).toLocaleTimeString();
    staleMark.hidden = !stale;
  }

  function clearBoard(message) {
    board.replaceChildren();
    cards.clear();
    empty.textContent = message;
    empty.hidden = false;
  }

  // ---- fetching ------------------------------------------------------------------------

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) {
      const message = body && body.error ? body.error.message : `${response.status} ${response.statusText}`;
      throw new Error(message);
    }
    return { body, stale: response.headers.get("X-Cache") === "STALE" };
  }

  function showNotice(message) {
    notice.textContent = message;
    notice.hidden = !message;
  }

  // ---- views ---------------------------------------------------------------------------

  function show(name) {
    for (const [key, section] of Object.entries(views)) section.hidden = key !== name;
    $("nav-live").toggleAttribute("aria-current", view === "live");
    $("nav-standings").toggleAttribute("aria-current", view === "standings");
  }

  function showLive() {
    view = "live";
    show("board");
    showNotice("");
    if (liveWeek) render(liveWeek, false);
    else clearBoard("No games yet. Scores appear here as soon as the feed has them.");
    if (!source) connect();
  }

  async function showWeek(season, slug) {
    view = "week";
    disconnect();
    show("board");
    showNotice("");
    clearBoard("Loading…");
    weekTitle.textContent = `${season} ${slugLabel(slug)}`;
    try {
      const { body, stale } = await getJson(`/api/${season}/${encodeURIComponent(slug)}`);
      render(body, stale);
    } catch (error) {
      clearBoard("No games to show.");
      showNotice(`Could not load ${season} ${slugLabel(slug)}: ${error.message}`);
    }
  }

  function record(team) {
    return team.ties ? `${team.wins}-${team.losses}-${team.ties}` : `${team.wins}-${team.losses}`;
  }

  function clinchMark(team, complete) {
    if (!complete || team.seed === null) return "";
    if (team.seed === 1) return "z"; // first seed: clinched the bye
    return team.division_rank === 1 ? "y" : "x";
  }

  function standingsTable(division, season, complete) {
    const table = document.createElement("table");
    table.className = "standings";
    const caption = document.createElement("caption");
    caption.textContent = division.name;
    table.append(caption);
    const head = document.createElement("thead");
    const headRow = document.createElement("tr");
    for (const label of ["Team", "W-L-T", "Pct", "PF", "PA", "Net", "Div", "Conf", "Streak", "Seed"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = label;
      headRow.append(th);
    }
    head.append(headRow);
    const body = document.createElement("tbody");
    const mine = myCodes();
    for (const team of division.teams) {
      const row = document.createElement("tr");
      row.dataset.team = team.team;
      row.classList.toggle("mine", mine.has(team.team));
      const name = document.createElement("th");
      name.scope = "row";
      const link = document.createElement("a");
      link.href = clubHref(season, team.team);
      link.dataset.nav = "";
      link.textContent = team.team;
      name.append(link);
      const mark = clinchMark(team, complete);
      if (mark) name.append(` ${mark}`);
      if (team.tiebreak_unresolved) name.append(" *");
      row.append(name);
      const pct = typeof team.pct === "number" ? team.pct.toFixed(3).replace(/^0/, "") : "";
      for (const value of [record(team), pct, team.points_for, team.points_against, team.net_points,
        team.division_record, team.conference_record, team.streak, team.seed ?? ""]) {
        const td = document.createElement("td");
        td.textContent = value === null || value === undefined ? "" : String(value);
        row.append(td);
      }
      body.append(row);
    }
    table.append(head, body);
    return table;
  }

  async function showStandings(season) {
    view = "standings";
    disconnect();
    show("standings");
    showNotice("");
    const target = $("standings");
    target.replaceChildren();
    weekTitle.textContent = `${season} standings`;
    document.title = `nflscores · ${season} standings`;
    try {
      const { body, stale } = await getJson(`/api/${season}/standings`);
      $("standings-title").textContent = `${season} standings through ${slugLabel(body.through)}`;
      for (const conference of body.conferences) {
        const block = document.createElement("section");
        block.className = "conference";
        const title = document.createElement("h3");
        title.textContent = conference.name;
        block.append(title, ...conference.divisions.map((d) => standingsTable(d, season, body.complete)));
        target.append(block);
      }
      const legend = document.createElement("p");
      legend.className = "legend";
      legend.textContent = body.complete
        ? "z: first seed and bye · y: division winner · x: wild card · *: a tie-break step needs a coin toss or touchdowns"
        : "Seeds as things stand; marks appear once the season is complete · *: a tie-break step needs a coin toss or touchdowns";
      target.append(legend);
      staleMark.hidden = !stale;
    } catch (error) {
      showNotice(`Could not load the ${season} standings: ${error.message}`);
    }
  }

  async function showClub(season, club) {
    view = "club";
    disconnect();
    show("club");
    showNotice("");
    const rows = $("club-games");
    rows.replaceChildren();
    $("club-title").textContent = `${club} in ${season}`;
    $("club-calendar").href = `/api/${season}/teams/${encodeURIComponent(club)}.ics`;
    weekTitle.textContent = `${season} · ${club}`;
    document.title = `nflscores · ${club} ${season}`;
    try {
      const { body, stale } = await getJson(`/api/${season}/teams/${encodeURIComponent(club)}`);
      $("club-title").textContent = `${body.team} in ${body.season}`;
      $("club-calendar").href = `/api/${body.season}/teams/${body.team}.ics`;
      const standing = body.standing;
      const rank = standing && standing.division_rank ? ` · ${ordinal(standing.division_rank)} in the division` : "";
      const seed = standing && standing.seed ? ` · seed ${standing.seed}` : "";
      $("club-summary").textContent = `Record ${record(body.record)}${rank}${seed}`;
      for (const game of body.games) {
        const row = document.createElement("tr");
        const score = game.score ? `${game.result || ""} ${game.score.for}-${game.score.against}`.trim() : game.status;
        const opponent = `${game.home ? "vs" : "@"} ${game.opponent}`;
        const week = document.createElement("a");
        week.href = `/?season=${body.season}&week=${encodeURIComponent(game.slug)}`;
        week.dataset.nav = "";
        week.textContent = slugLabel(game.slug);
        const cells = [week, kickoffLabel(game.kickoff), opponent, score];
        for (const value of cells) {
          const td = document.createElement("td");
          td.append(value);
          row.append(td);
        }
        rows.append(row);
      }
      staleMark.hidden = !stale;
    } catch (error) {
      $("club-summary").textContent = "";
      showNotice(`Could not load ${club} in ${season}: ${error.message}`);
    }
  }

  function ordinal(n) {
    return { 1: "1st", 2: "2nd", 3: "3rd" }[n] || `${n}th`;
  }

  // ---- addresses -----------------------------------------------------------------------

  function currentSeason() {
    const now = new Date();
    // January and February belong to the season that started the year before.
    return now.getMonth() < 2 ? now.getFullYear() - 1 : now.getFullYear();
  }

  async function fillWeeks(season, selected) {
    try {
      const { body } = await getJson(`/api/?season=${season}`);
      pickWeek.replaceChildren(...body.weeks.map((slug) => new Option(slugLabel(slug), slug)));
      if (selected) pickWeek.value = selected;
    } catch (error) {
      showNotice(`Could not list the weeks of ${season}: ${error.message}`);
    }
  }

  function route() {
    const query = new URLSearchParams(location.search);
    const season = query.get("season") || String(currentSeason());
    if (pickSeason.value !== season) {
      pickSeason.value = season;
      fillWeeks(season, query.get("week"));
    } else if (query.get("week")) {
      pickWeek.value = query.get("week");
    }
    if (query.get("view") === "standings") return showStandings(season);
    if (query.get("club")) return showClub(season, query.get("club"));
    if (query.get("season") && query.get("week")) return showWeek(season, query.get("week"));
    return showLive();
  }

  function navigate(url) {
    history.pushState(null, "", url);
    route();
  }

  function setUp() {
    const last = currentSeason() + 1;
    for (let season = last; season >= FIRST_SEASON; season -= 1) {
      pickSeason.append(new Option(String(season), String(season)));
    }
    for (const code of CLUBS) pickTeam.append(new Option(code, code));
    pickTeam.value = readStored(MY_TEAM_KEY);
    onlyMine.checked = readStored(ONLY_MINE_KEY) === "1";

    pickSeason.addEventListener("change", () => fillWeeks(pickSeason.value, null));
    $("picker").addEventListener("submit", (event) => {
      event.preventDefault();
      navigate(`/?season=${pickSeason.value}&week=${encodeURIComponent(pickWeek.value)}`);
    });
    $("nav-standings").addEventListener("click", (event) => {
      event.preventDefault();
      navigate(`/?season=${pickSeason.value}&view=standings`);
    });
    pickTeam.addEventListener("change", () => {
      store(MY_TEAM_KEY, pickTeam.value);
      route();
      if (view === "live" && onlyMine.checked) connect();
    });
    onlyMine.addEventListener("change", () => {
      store(ONLY_MINE_KEY, onlyMine.checked ? "1" : "");
      if (view === "live") {
        liveWeek = null;
        lastEventId = "";
        connect();
      }
    });
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-nav], #nav-live, #home-link");
      if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      navigate(link.getAttribute("href"));
    });
    window.addEventListener("popstate", route);
    // A stream with no event (not even a heartbeat's reconnect) for long is shown as stale.
    setInterval(() => {
      if (view === "live" && liveWeek) {
        const quiet = Date.now() - lastEventAt > STALE_AFTER_MS && connection.dataset.state !== "live";
        staleMark.hidden = !quiet;
      }
    }, 5000);
    window.addEventListener("offline", () => setConnection("offline"));
    window.addEventListener("online", () => {
      if (view === "live") connect();
    });
    route();
  }

  setUp();
})();
