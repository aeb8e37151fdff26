// Needs the prebuilt VM the atomvm-wasm module makes with -Datomvm.source=<dir> (or -Prelease).
// The reason goes to the console itself (the invoker captures System.out into build.log).
def made = new File(prebuiltVmDirectory).listFiles()?.find { it.name ==~ /atomvm-wasm-.*-atomvm-.*\.zip/ }
if (!made) {
  def console = new PrintStream(new FileOutputStream(FileDescriptor.out), true)
  console.println "[INFO] SKIPPED ${basedir.name}: no prebuilt VM was built (needs -Datomvm.source=<AtomVM checkout> or -Prelease)"
  return false
}
return true
