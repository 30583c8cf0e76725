//! Deterministic generators of plausible Chinese names for demo and synthetic data.
//! Names are assembled from common characters by a seeded generator; they are never
//! taken from lists of real people.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "田", "董", "袁", "潘", "于", "蒋",
    "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "范",
    "金", "石", "贾", "夏", "付", "方", "白", "邹", "孟", "熊", "秦", "尹", "薛", "闫", "段", "侯", "史", "陶", "贺",
    "顾", "毛", "郝", "邵", "万", "武", "孔", "包", "那", "佟", "关", "吉",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "红", "建", "国", "志", "海", "波", "宁", "春", "雪", "晨", "阳",
    "凤", "梅", "林", "东", "辉", "鹏", "飞", "旭", "宇", "佳", "欣", "琳", "颖", "婷", "慧", "莉", "峰", "斌", "博",
    "文", "浩", "天", "晓", "俊", "荣", "新", "立", "德", "福", "成", "振", "亮", "永", "清", "树", "淑", "丹", "岩",
];

const PLACE_WORDS: &[&str] = &[
    "红星",
    "新发",
    "永安",
    "太平",
    "胜利",
    "前进",
    "民主",
    "东升",
    "富强",
    "兴隆",
    "长发",
    "德胜",
    "双榆",
    "五间房",
    "三家子",
    "四合",
    "六合",
    "八里",
    "十家户",
    "向阳",
    "团结",
    "建设",
    "光明",
    "和平",
    "新华",
    "福顺",
    "长兴",
    "保安",
    "聚宝",
    "金山",
    "银河",
    "青松",
    "杏花",
    "榆树",
    "柳树",
    "杨家",
    "王家",
    "李家",
    "张家",
    "刘家",
    "黑帝庙",
    "平原",
    "大岗",
    "小岗",
    "东风",
    "西风",
    "南岭",
    "北岭",
    "新立",
    "永丰",
    "丰收",
    "富裕",
    "安定",
    "吉祥",
    "兴华",
    "民乐",
    "宝山",
    "青山",
    "白音",
    "好田",
    "四家子",
    "六家子",
    "二龙",
    "三合",
    "五星",
    "七里",
    "九龙",
    "万宝",
    "兴业",
    "同心",
];

const FIRM_WORDS: &[&str] = &[
    "正诚", "明德", "弘信", "公衡", "远航", "鹤城", "正义", "昭信", "恒泰", "海纳", "致远", "信达", "启航", "博仁",
    "天平", "泽民", "德衡", "金诺",
];

pub(crate) fn person_name(rng: &mut StdRng) -> String {
    let surname = SURNAMES.choose(rng).expect("non-empty");
    let first = GIVEN.choose(rng).expect("non-empty");
    if rng.random_bool(0.6) {
        let second = GIVEN.choose(rng).expect("non-empty");
        format!("{surname}{first}{second}")
    } else {
        format!("{surname}{first}")
    }
}

/// A place word not yet in `used`, so that sibling villages differ.
pub(crate) fn place_word(rng: &mut StdRng, used: &mut Vec<String>) -> String {
    for _ in 0..50 {
        let w = PLACE_WORDS.choose(rng).expect("non-empty").to_string();
        if !used.contains(&w) {
            used.push(w.clone());
            return w;
        }
    }
    // Out of words: number them.
    let w = format!("{}{}", PLACE_WORDS.choose(rng).expect("non-empty"), used.len() + 1);
    used.push(w.clone());
    w
}

pub(crate) fn firm_word(i: usize) -> &'static str {
    FIRM_WORDS[i % FIRM_WORDS.len()]
}

/// A mainland mobile number.
pub(crate) fn mobile(rng: &mut StdRng) -> String {
    const PREFIXES: &[&str] = &[
        "130", "131", "132", "135", "136", "138", "139", "150", "151", "155", "158", "159", "176", "186", "187", "189",
    ];
    format!("{}{:08}", PREFIXES.choose(rng).expect("non-empty"), rng.random_range(0..100_000_000u32))
}

/// A valid ID number registered in `county` (six digits), born in `year`. Distinct
/// `serial`s below 168,000 give distinct numbers for the same county and year.
pub(crate) fn id_number(county: u64, year: i32, serial: u32, male: bool) -> String {
    let seq = (serial % 500) * 2 + u32::from(male);
    let day = serial / 500 % 28 + 1;
    let month = serial / (500 * 28) % 12 + 1;
    let first17 = format!("{county:06}{year:04}{month:02}{day:02}{seq:03}");
    let check = gongdao_domain::id_number::check_char(first17.as_bytes()) as char;
    format!("{first17}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use gongdao_domain::IdNumber;

    #[test]
    fn generated_id_numbers_are_valid_and_distinct() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let mut seen = std::collections::HashSet::new();
        for serial in (0..168_000).step_by(97) {
            let id = id_number(220802, 1980, serial, serial % 3 == 0);
            IdNumber::parse("id", &id, today).unwrap();
            assert!(seen.insert(id));
        }
    }
}
