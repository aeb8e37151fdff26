def project = new File(basedir, 'project/my-worker')
// the compatibility date of the workerd that worker/package-lock.json pins (version 1.YYYYMMDD.n)
def workerd = (new File(basedir, '../../../../../worker/package-lock.json').text =~ /"node_modules\/workerd": \{\s*"version": "1\.(\d{4})(\d{2})(\d{2})\./)[0][1..3].join('-')
assert ['.gitignore', 'wrangler.jsonc', 'README.md', 'src/main/elixir/app/router.ex', 'src/test/java/com/example/WorkerIT.java', 'target/elixir-workers/ebin/app/Elixir.MyWorker.Router.beam'].every { new File(project, it).isFile() } && !new File(project, 'pom.xml').text.contains('@project.version@') && new File(project, 'wrangler.jsonc').text.contains("\"compatibility_date\": \"${workerd}\"")
