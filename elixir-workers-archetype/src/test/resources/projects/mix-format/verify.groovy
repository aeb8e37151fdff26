// `mix format --check-formatted` in the generated project (its .formatter.exs, no mix.exs) passes, and the router's routes are still written without parentheses
def project = new File(basedir, 'project/formatted-worker')
def output = new StringBuilder()
def mix = ['mix', 'format', '--check-formatted'].execute(null, project)
mix.consumeProcessOutput(output, output)
mix.waitForOrKill(120_000)
assert mix.exitValue() == 0 && new File(project, 'src/main/elixir/app/router.ex').text.contains('\n  get "/", FormattedWorker.Pages, :home\n') : "mix format --check-formatted in ${project}: ${output}"
