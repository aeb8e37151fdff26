assert ['target/worker/wrangler.jsonc', 'target/wrangler-dry-run/worker.js'].every { new File(basedir, it).length() > 0 } && new File(basedir, 'build.log').text.contains('--dry-run: exiting now.')
