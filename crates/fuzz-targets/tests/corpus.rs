//! Every file of `fuzz/corpus/NAME` through its target, on stable: the seeds and what
//! fuzzing runs found keep being checked by the ordinary test command.

use std::path::Path;

#[test]
fn every_corpus_file_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut total = 0;
    for (name, target) in gongdao_fuzz_targets::TARGETS {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut files = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| target(&data));
            assert!(result.is_ok(), "{name}: {} makes the target panic", path.display());
            files += 1;
        }
        assert!(files > 0, "{name}: the corpus is empty");
        total += files;
    }
    assert!(total >= 30, "{total} corpus files");
}
