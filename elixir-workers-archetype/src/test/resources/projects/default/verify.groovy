def project = new File(basedir, 'project/my-worker')
assert ['.gitignore', 'wrangler.jsonc', 'README.md', 'src/main/elixir/app/router.ex', 'src/test/java/com/example/WorkerIT.java', 'target/elixir-workers/ebin/app/Elixir.MyWorker.Router.beam'].every { new File(project, it).isFile() } && !new File(project, 'pom.xml').text.contains('@project.version@')
