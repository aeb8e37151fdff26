assert new File(basedir, 'build.log').text =~ /CLOUDFLARE_API_TOKEN is not set .* -Delixir-workers\.dryRun=true/
