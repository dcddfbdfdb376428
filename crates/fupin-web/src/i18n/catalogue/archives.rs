//! Scanned archives attached to a household.

pub(super) const STRINGS: super::Strings = &[
    ("archives", "档案资料", "Archives"),
    ("no_archives", "尚无扫描档案。", "No scanned documents yet."),
    ("archive_title", "标题", "Title"),
    (
        "archive_file",
        "文件（PDF、JPEG、PNG）",
        "File (PDF, JPEG, PNG)",
    ),
    ("attach_archive", "上传档案", "Attach"),
    ("archive_refused", "档案未保存", "Not attached"),
    ("uploaded_by", "上传人", "Uploaded by"),
    ("uploaded_at", "上传时间", "Uploaded at"),
    ("file_size", "大小", "Size"),
];
