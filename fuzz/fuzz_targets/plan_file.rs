#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gongdao_fuzz_targets::plan_file(data));
