def project = new File(basedir, 'project/acme-edge')
assert new File(project, 'src/test/java/org/acme/edge/worker/WorkerIT.java').isFile() && new File(project, 'target/elixir-workers/ebin/app/Elixir.AcmeEdge.Router.beam').isFile()
