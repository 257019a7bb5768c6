//! The HTML report as a reader's browser shows it: `drtwin plan` writes report.html, headless
//! Chromium opens it from disk, and the test checks that the page logs no console error, that
//! every request it makes is the file itself or a `data:` URL (the report is self-contained),
//! and that a screenshot of it is not blank.
//!
//! The test drives Chromium over the DevTools protocol, on the loopback port Chromium itself
//! opens. Chromium is started with its background networking off and a host resolver that
//! resolves nothing, so even a regression that adds a remote font or script cannot reach the
//! network: the request is seen and reported, and it fails. Without Chromium the test says so
//! and passes, except under CI (`CI` set), whose script installs it.
//!
//! The screenshot is kept at `target/tmp/report-screenshot.png` for a person to look at.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use common::{drtwin, path_str, shown};

const CHROMIUM: &str = "/usr/bin/chromium";
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 3000;

/// How long Chromium may take to start, and the page to load.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
const LOAD_TIMEOUT: Duration = Duration::from_secs(30);
/// After the load event, how long to keep listening for late requests and errors.
const SETTLE_TIME: Duration = Duration::from_millis(1500);

#[test]
fn report_html_renders_offline_without_errors() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{CHROMIUM} is missing under CI; .ci/run installs it"
        );
        eprintln!("skipped: {CHROMIUM} is not installed (apt-get install chromium)");
        return;
    }

    // The plan, written where the browser can read it.
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("plan");
    let output =
        drtwin(&["plan", "-o", path_str(&out), "--trials", "500", "--scenario-trials", "100"]);
    assert!(output.status.success(), "{}", shown(&output));
    let report = out.join("report.html");
    let page_url = file_url(&report);

    // Open it and collect what the page did.
    let browser = Browser::launch(dir.path());
    let mut devtools = DevTools::connect(&browser.websocket_url);
    let visit = devtools.visit(&page_url);
    drop(devtools);
    let browser_log = browser.stop();

    // Console errors and uncaught exceptions.
    assert!(
        visit.errors.is_empty(),
        "the report logs errors in the browser:\n{}\n--- chromium stderr\n{browser_log}",
        visit.errors.join("\n")
    );

    // Requests: the page itself must be among them (else the check below proves nothing),
    // and nothing else but inline data.
    assert!(
        visit.requests.iter().any(|url| same_document(url, &page_url)),
        "the browser did not report loading {page_url}; requests seen: {:?}",
        visit.requests
    );
    let outside: Vec<&String> = visit
        .requests
        .iter()
        .filter(|url| !same_document(url, &page_url) && !url.starts_with("data:"))
        .collect();
    assert!(outside.is_empty(), "the report is not self-contained; it requests {outside:?}");

    // The screenshot: a decodable PNG of the requested size, with content on it.
    let kept = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    std::fs::write(&kept, &visit.screenshot).expect("screenshot written");
    eprintln!("screenshot: {}", kept.display());
    let ink = Ink::measure(&visit.screenshot);
    assert_eq!((ink.width, ink.height), (WIDTH, HEIGHT), "screenshot size");
    let total = u64::from(ink.width) * u64::from(ink.height);
    assert!(
        ink.non_white * 20 > total,
        "the screenshot is nearly blank: {} of {total} pixels are not white",
        ink.non_white
    );
    assert!(
        ink.colours >= 16,
        "the screenshot has only {} colours: no text or charts drawn",
        ink.colours
    );
}

/// `file://` URL of an absolute path, percent-encoding what a URL path cannot hold.
fn file_url(path: &Path) -> String {
    let path = path.canonicalize().expect("report exists");
    let mut url = String::from("file://");
    for byte in path_str(&path).bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                url.push(byte as char)
            }
            _ => url.push_str(&format!("%{byte:02X}")),
        }
    }
    url
}

/// The page's own URL, ignoring a `#fragment` (in-page links).
fn same_document(url: &str, page_url: &str) -> bool {
    url.split('#').next() == Some(page_url)
}

/// A headless Chromium with a fresh profile, killed (by its process id) when dropped.
struct Browser {
    child: Child,
    websocket_url: String,
    log: mpsc::Receiver<String>,
}

impl Browser {
    fn launch(scratch: &Path) -> Browser {
        let profile = scratch.join("chromium-profile");
        std::fs::create_dir_all(&profile).expect("profile folder");
        let mut child = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-features=Translate,OptimizationHints,MediaRouter",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--hide-scrollbars",
                &format!("--window-size={WIDTH},{HEIGHT}"),
                &format!("--user-data-dir={}", path_str(&profile)),
                "about:blank",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");

        // Chromium announces its DevTools endpoint on stderr; every line is kept for the
        // failure message.
        let stderr = child.stderr.take().expect("piped stderr");
        let (sender, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let started = Instant::now();
        let mut seen = Vec::new();
        let websocket_url = loop {
            let left = STARTUP_TIMEOUT.saturating_sub(started.elapsed());
            match log.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("DevTools listening on ") {
                        break url.trim().to_string();
                    }
                    seen.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "chromium announced no DevTools endpoint in {STARTUP_TIMEOUT:?}:\n{}",
                        seen.join("\n")
                    );
                }
            }
        };
        assert!(
            websocket_url.starts_with("ws://127.0.0.1:"),
            "DevTools endpoint is not on loopback: {websocket_url}"
        );
        Browser { child, websocket_url, log }
    }

    /// Stops the browser and returns what it wrote to stderr.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.log.try_iter().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one page visit showed.
struct Visit {
    /// Console errors, failed assertions, uncaught exceptions and browser-logged errors (a
    /// blocked or failed load, a CSP violation).
    errors: Vec<String>,
    /// The URL of every request the page made, in order.
    requests: Vec<String>,
    /// PNG bytes of the viewport.
    screenshot: Vec<u8>,
}

/// A minimal DevTools-protocol client: commands by id, events collected as they arrive.
struct DevTools {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    events: Vec<Value>,
}

impl DevTools {
    fn connect(websocket_url: &str) -> DevTools {
        let address = websocket_url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .expect("ws://host:port/path");
        let stream = TcpStream::connect(address).expect("connect to chromium's DevTools port");
        // The handshake gets a generous timeout (a timeout mid-handshake fails it); after it,
        // reads time out quickly so that waiting loops can watch their deadline.
        stream.set_read_timeout(Some(STARTUP_TIMEOUT)).expect("read timeout");
        let (socket, _) = tungstenite::client(websocket_url, stream).expect("websocket handshake");
        socket.get_ref().set_read_timeout(Some(Duration::from_millis(200))).expect("read timeout");
        DevTools { socket, next_id: 1, events: Vec::new() }
    }

    /// Opens `url` in a new tab, waits for it to load and settle, and takes a screenshot.
    fn visit(&mut self, url: &str) -> Visit {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"].as_str().expect("targetId").to_string();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        let session = attached["sessionId"].as_str().expect("sessionId").to_string();
        let session = Some(session.as_str());
        for domain in ["Runtime", "Log", "Network", "Page"] {
            self.call(session, &format!("{domain}.enable"), json!({}));
        }
        self.call(
            session,
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": false }),
        );

        self.events.clear();
        let navigated = self.call(session, "Page.navigate", json!({ "url": url }));
        assert!(navigated.get("errorText").is_none(), "navigation to {url} failed: {navigated}");
        let started = Instant::now();
        while !self.events.iter().any(|event| {
            event["method"] == "Page.loadEventFired" && event["sessionId"].as_str() == session
        }) {
            assert!(
                started.elapsed() < LOAD_TIMEOUT,
                "{url} did not finish loading in {LOAD_TIMEOUT:?}"
            );
            self.pump();
        }
        let settled = Instant::now();
        while settled.elapsed() < SETTLE_TIME {
            self.pump();
        }

        let shot = self.call(
            session,
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": false }),
        );
        let screenshot = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("screenshot is base64");

        let mut errors = Vec::new();
        let mut requests = Vec::new();
        for event in &self.events {
            let params = &event["params"];
            match event["method"].as_str().unwrap_or_default() {
                "Runtime.consoleAPICalled"
                    if matches!(params["type"].as_str(), Some("error" | "assert")) =>
                {
                    let kind = params["type"].as_str().unwrap_or_default();
                    errors.push(format!("console.{kind}: {}", params["args"]));
                }
                "Runtime.exceptionThrown" => {
                    errors.push(format!("uncaught: {}", params["exceptionDetails"]));
                }
                "Log.entryAdded" if params["entry"]["level"] == "error" => {
                    errors.push(format!("browser: {}", params["entry"]));
                }
                "Network.requestWillBeSent" => {
                    requests.push(params["request"]["url"].as_str().unwrap_or("?").to_string());
                }
                "Network.webSocketCreated" => {
                    requests.push(params["url"].as_str().unwrap_or("?").to_string());
                }
                _ => {}
            }
        }
        Visit { errors, requests, screenshot }
    }

    /// Sends a command and waits for its answer, keeping the events that arrive meanwhile.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            command["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(command.to_string()))
            .unwrap_or_else(|error| panic!("cannot send {method}: {error}"));

        let started = Instant::now();
        loop {
            assert!(started.elapsed() < LOAD_TIMEOUT, "no answer to {method} in {LOAD_TIMEOUT:?}");
            let Some(message) = self.receive() else {
                continue;
            };
            if message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
            self.events.push(message);
        }
    }

    /// Reads the events that arrive within one read timeout.
    fn pump(&mut self) {
        if let Some(message) = self.receive() {
            self.events.push(message);
        }
    }

    fn receive(&mut self) -> Option<Value> {
        match self.socket.read() {
            Ok(Message::Text(text)) => serde_json::from_str(text.as_str()).ok(),
            Ok(_) => None,
            Err(tungstenite::Error::Io(error))
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(error) => panic!("DevTools connection failed: {error}"),
        }
    }
}

/// How much is drawn on a screenshot.
struct Ink {
    width: u32,
    height: u32,
    /// Pixels darker than near-white in any channel.
    non_white: u64,
    /// Distinct colours, counted up to a cap.
    colours: usize,
}

impl Ink {
    fn measure(png_bytes: &[u8]) -> Ink {
        let mut decoder = png::Decoder::new(png_bytes);
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().expect("screenshot is a PNG");
        let mut pixels = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).expect("PNG decodes");
        let channels = frame.color_type.samples();
        assert!(channels >= 3, "screenshot is not in colour: {:?}", frame.color_type);

        let mut non_white = 0;
        let mut colours = std::collections::HashSet::new();
        for pixel in pixels[..frame.buffer_size()].chunks_exact(channels) {
            if pixel[..3].iter().any(|&value| value < 235) {
                non_white += 1;
            }
            if colours.len() < 4096 {
                colours.insert([pixel[0], pixel[1], pixel[2]]);
            }
        }
        Ink { width: frame.width, height: frame.height, non_white, colours: colours.len() }
    }
}
