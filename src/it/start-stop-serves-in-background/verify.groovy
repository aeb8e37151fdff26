def log = new File(basedir, 'build.log').text
def started = log =~ /Started .* on (http:\/\/localhost:(\d+)\/) in the background/
assert started.find() : 'elixir-workers:start did not log its URL'
def port = started.group(2) as int
assert port != 8797 && port > 0
assert log.contains('ServedIT: GET http://localhost:' + port + '/ -> 200')
assert log =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0/
assert log.contains('Stopped the dev server on http://localhost:' + port)
// stopped: nothing listens on the port any more
try {
  new Socket('127.0.0.1', port).close()
  assert false : "port ${port} still accepts connections after elixir-workers:stop"
} catch (ConnectException expected) {
}
