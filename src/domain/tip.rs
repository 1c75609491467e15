//! Tips and tipster messages: categories, statuses, and parsing of raw input into `NewTip`.

use super::directory::Directory;
use super::i18n::Lang;
use super::text::{TextError, clean_optional, clean_required};
use serde::Deserialize;

/// Longest tip text, in characters (about two pages).
pub const MAX_BODY_CHARS: usize = 5_000;
/// Longest location hint, in characters.
pub const MAX_LOCATION_CHARS: usize = 300;
/// Longest follow-up message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 3_000;

code_enum!(
    /// What a tip is about, from the categories of the provincial plan.
    Category {
        SellingNearSchool = "selling_near_school",
        DrugUse = "drug_use",
        LuringStudents = "luring_students",
        Trafficking = "trafficking",
        DrugPlantCultivation = "drug_plant_cultivation",
        VenueNearSchool = "venue_near_school",
        SyntheticDrugs = "synthetic_drugs",
        Other = "other",
    }
);

impl Category {
    pub fn name(self, lang: Lang) -> &'static str {
        use Category::*;
        match self {
            SellingNearSchool => {
                lang.pick("Bán ma túy gần trường học", "Drug selling near a school")
            }
            DrugUse => lang.pick(
                "Học sinh, giáo viên hoặc nhân viên sử dụng ma túy",
                "A student, teacher or staff member using drugs",
            ),
            LuringStudents => lang.pick(
                "Lôi kéo, mua chuộc học sinh mua bán, sử dụng ma túy",
                "Luring or recruiting students to buy, carry or use drugs",
            ),
            Trafficking => lang.pick(
                "Vận chuyển ma túy, kể cả qua biên giới",
                "Drug trafficking, including across the border",
            ),
            DrugPlantCultivation => lang.pick(
                "Trồng cây có chứa chất ma túy (thuốc phiện, cần sa)",
                "Growing drug plants (opium poppy, cannabis)",
            ),
            VenueNearSchool => lang.pick(
                "Quán bar, karaoke, quán internet gần trường có ma túy",
                "Bar, karaoke or internet café near a school used for drugs",
            ),
            SyntheticDrugs => lang.pick(
                "Ma túy tổng hợp mới (ma túy đá, bóng cười, cỏ Mỹ)",
                "New synthetic drugs (meth, laughing gas, synthetic cannabis)",
            ),
            Other => lang.pick("Việc khác", "Something else"),
        }
    }
}

code_enum!(
    /// Where a tip is in its life. Closing records an outcome (staff side).
    Status {
        New = "new",
        InReview = "in_review",
        Escalated = "escalated",
        Assigned = "assigned",
        Closed = "closed",
    }
);

impl Status {
    /// What the tipster sees: reassuring, and never who is working on it.
    pub fn name(self, lang: Lang) -> &'static str {
        use Status::*;
        match self {
            New => lang.pick("Đã nhận, chờ xem xét", "Received, waiting to be read"),
            InReview => lang.pick("Đang xem xét", "Being reviewed"),
            Escalated | Assigned => lang.pick("Đang được xử lý", "Being acted on"),
            Closed => lang.pick("Đã kết thúc", "Closed"),
        }
    }
}

code_enum!(
    /// How a tip reached us. Staff enter non-web tips on a caller's behalf.
    Channel {
        Web = "web",
        Hotline = "hotline",
        TipBox = "tip_box",
        SmsRelay = "sms_relay",
    }
);

code_enum!(
    /// Who wrote a message on a tip.
    Author {
        Tipster = "tipster",
        Staff = "staff",
    }
);

/// Raw tip input from the HTML form or the JSON API, before any checking.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TipForm {
    pub category: String,
    pub school_id: Option<i64>,
    pub region_id: Option<i64>,
    pub body: String,
    pub location_hint: Option<String>,
    pub urgent: bool,
    pub involves_school_staff: bool,
}

/// A field of the tip form and what is wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipFormError {
    CategoryMissing,
    CategoryUnknown,
    SchoolUnknown,
    RegionUnknown,
    SchoolNotInRegion,
    BodyEmpty,
    BodyTooLong,
    LocationTooLong,
}

impl TipFormError {
    /// The form field the error belongs to.
    pub fn field(self) -> &'static str {
        use TipFormError::*;
        match self {
            CategoryMissing | CategoryUnknown => "category",
            SchoolUnknown | SchoolNotInRegion => "school_id",
            RegionUnknown => "region_id",
            BodyEmpty | BodyTooLong => "body",
            LocationTooLong => "location_hint",
        }
    }

    pub fn message(self, lang: Lang) -> &'static str {
        use TipFormError::*;
        match self {
            CategoryMissing => lang.pick("Hãy chọn loại sự việc.", "Choose what the tip is about."),
            CategoryUnknown => lang.pick("Loại sự việc không hợp lệ.", "Unknown category."),
            SchoolUnknown => lang.pick("Không tìm thấy trường này.", "Unknown school."),
            RegionUnknown => lang.pick("Không tìm thấy huyện này.", "Unknown district."),
            SchoolNotInRegion => lang.pick(
                "Trường đã chọn không thuộc địa bàn đã chọn.",
                "The school is not in the chosen district.",
            ),
            BodyEmpty => lang.pick("Hãy viết điều bạn thấy.", "Write what you saw."),
            BodyTooLong => lang.pick(
                "Nội dung quá dài (tối đa 5000 ký tự).",
                "The text is too long (5000 characters at most).",
            ),
            LocationTooLong => lang.pick(
                "Gợi ý địa điểm quá dài (tối đa 300 ký tự).",
                "The location hint is too long (300 characters at most).",
            ),
        }
    }
}

/// A checked tip, ready to be sealed and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTip {
    pub category: Category,
    pub school_id: Option<i64>,
    /// The most specific region known: the school's region when a school was chosen.
    pub region_id: Option<i64>,
    pub body: String,
    pub location_hint: Option<String>,
    pub urgent: bool,
    pub involves_school_staff: bool,
    pub channel: Channel,
}

impl NewTip {
    /// Checks every field against the directory; returns all problems at once so that a form
    /// can show them together.
    pub fn parse(
        form: TipForm,
        channel: Channel,
        directory: &Directory,
    ) -> Result<Self, Vec<TipFormError>> {
        let mut errors = Vec::new();
        let category = match form.category.trim() {
            "" => {
                errors.push(TipFormError::CategoryMissing);
                None
            }
            code => Category::from_code(code).or_else(|| {
                errors.push(TipFormError::CategoryUnknown);
                None
            }),
        };
        let region_id = match form.region_id {
            Some(id) if directory.region(id).is_none() => {
                errors.push(TipFormError::RegionUnknown);
                None
            }
            other => other,
        };
        let school = match form.school_id {
            Some(id) => match directory.school(id) {
                Some(school) => Some(school),
                None => {
                    errors.push(TipFormError::SchoolUnknown);
                    None
                }
            },
            None => None,
        };
        if let (Some(school), Some(region)) = (school, region_id)
            && !directory.is_within(school.region_id, region)
        {
            errors.push(TipFormError::SchoolNotInRegion);
        }
        let body = match clean_required(&form.body, MAX_BODY_CHARS) {
            Ok(body) => Some(body),
            Err(TextError::Empty) => {
                errors.push(TipFormError::BodyEmpty);
                None
            }
            Err(TextError::TooLong { .. }) => {
                errors.push(TipFormError::BodyTooLong);
                None
            }
        };
        let location_hint = match clean_optional(
            form.location_hint.as_deref().unwrap_or(""),
            MAX_LOCATION_CHARS,
        ) {
            Ok(hint) => hint,
            Err(_) => {
                errors.push(TipFormError::LocationTooLong);
                None
            }
        };
        match (category, body) {
            (Some(category), Some(body)) if errors.is_empty() => Ok(NewTip {
                category,
                school_id: school.map(|s| s.id),
                region_id: school.map(|s| s.region_id).or(region_id),
                body,
                location_hint,
                urgent: form.urgent,
                involves_school_staff: form.involves_school_staff,
                channel,
            }),
            _ => Err(errors),
        }
    }
}

/// A checked follow-up message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub author: Author,
    pub body: String,
}

impl NewMessage {
    pub fn parse(author: Author, raw: &str) -> Result<Self, TextError> {
        Ok(NewMessage {
            author,
            body: clean_required(raw, MAX_MESSAGE_CHARS)?,
        })
    }
}
