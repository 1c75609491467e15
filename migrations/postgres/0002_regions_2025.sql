-- The region tree as it is since 1 July 2025 (issue 7): province → the 12 former districts
-- (kept as the plan's reporting areas) → 75 communes and wards.
--
-- An upgrade, not a reset: the 12 district rows of the previous release keep their ids and
-- become former_district nodes, so every stored tip, school, fact and staff scope keeps a valid
-- region. On a fresh installation the same statements insert the whole tree, so both end
-- identical. Upserts by id: re-running on either kind of database gives the same rows.
--
-- code: official code of a commune or ward (Decision 19/2025/QĐ-TTg), the pre-2025 district
-- code of a former district, 14 for the province. Codes were reused across the reform for
-- different units: never join pre- and post-reform data by code. Not UNIQUE for that reason:
-- a later reorganisation may give a retired (inactive) unit's code to a new one.
-- border_area: the data file's lao_border, 'unconfirmed' counted as border (Xuân Nha; to be
-- confirmed by the province); a former district is flagged if any of its units is, which makes
-- Thuận Châu not a border district (the previous release had it wrong).
-- active: FALSE once a reorganisation retires a unit (tipline regions import); rows are never
-- deleted while anything refers to them.
ALTER TABLE regions ADD COLUMN code TEXT NOT NULL DEFAULT '';
ALTER TABLE regions ADD COLUMN kind TEXT NOT NULL DEFAULT 'commune'
    CHECK (kind IN ('province', 'former_district', 'commune', 'ward'));
ALTER TABLE regions ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX regions_parent ON regions(parent_id);

-- The tree, then the sample schools move from their district to a commune or ward (matched by
-- school code; imported schools stay where they were: re-import the real list with unit codes).
-- BEGIN generated from seed/son-la-communes-2025.csv and seed/schools-sample.csv
-- (src/import/regions.rs tests check that it matches them)
INSERT INTO regions (id, code, name, kind, parent_id, border_area) VALUES
(14, '14', 'Tỉnh Sơn La', 'province', NULL, FALSE)
ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, kind = excluded.kind,
    parent_id = excluded.parent_id, border_area = excluded.border_area, active = TRUE;
INSERT INTO regions (id, code, name, kind, parent_id, border_area) VALUES
(116, '116', 'Thành phố Sơn La', 'former_district', 14, FALSE),
(118, '118', 'Huyện Quỳnh Nhai', 'former_district', 14, FALSE),
(119, '119', 'Huyện Thuận Châu', 'former_district', 14, FALSE),
(120, '120', 'Huyện Mường La', 'former_district', 14, FALSE),
(121, '121', 'Huyện Bắc Yên', 'former_district', 14, FALSE),
(122, '122', 'Huyện Phù Yên', 'former_district', 14, FALSE),
(123, '123', 'Huyện Mộc Châu', 'former_district', 14, TRUE),
(124, '124', 'Huyện Yên Châu', 'former_district', 14, TRUE),
(125, '125', 'Huyện Mai Sơn', 'former_district', 14, TRUE),
(126, '126', 'Huyện Sông Mã', 'former_district', 14, TRUE),
(127, '127', 'Huyện Sốp Cộp', 'former_district', 14, TRUE),
(128, '128', 'Huyện Vân Hồ', 'former_district', 14, TRUE)
ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, kind = excluded.kind,
    parent_id = excluded.parent_id, border_area = excluded.border_area, active = TRUE;
INSERT INTO regions (id, code, name, kind, parent_id, border_area) VALUES
(1001, '03646', 'Phường Tô Hiệu', 'ward', 116, FALSE),
(1002, '03664', 'Phường Chiềng An', 'ward', 116, FALSE),
(1003, '03670', 'Phường Chiềng Cơi', 'ward', 116, FALSE),
(1004, '03679', 'Phường Chiềng Sinh', 'ward', 116, FALSE),
(1005, '03688', 'Xã Mường Chiên', 'commune', 118, FALSE),
(1006, '03694', 'Xã Mường Giôn', 'commune', 118, FALSE),
(1007, '03703', 'Xã Quỳnh Nhai', 'commune', 118, FALSE),
(1008, '03712', 'Xã Mường Sại', 'commune', 118, FALSE),
(1009, '03721', 'Xã Thuận Châu', 'commune', 119, FALSE),
(1010, '03724', 'Xã Bình Thuận', 'commune', 119, FALSE),
(1011, '03727', 'Xã Mường É', 'commune', 119, FALSE),
(1012, '03754', 'Xã Chiềng La', 'commune', 119, FALSE),
(1013, '03757', 'Xã Mường Khiêng', 'commune', 119, FALSE),
(1014, '03760', 'Xã Mường Bám', 'commune', 119, FALSE),
(1015, '03763', 'Xã Long Hẹ', 'commune', 119, FALSE),
(1016, '03781', 'Xã Co Mạ', 'commune', 119, FALSE),
(1017, '03784', 'Xã Nậm Lầu', 'commune', 119, FALSE),
(1018, '03799', 'Xã Muổi Nọi', 'commune', 119, FALSE),
(1019, '03808', 'Xã Mường La', 'commune', 120, FALSE),
(1020, '03814', 'Xã Chiềng Lao', 'commune', 120, FALSE),
(1021, '03820', 'Xã Ngọc Chiến', 'commune', 120, FALSE),
(1022, '03847', 'Xã Mường Bú', 'commune', 120, FALSE),
(1023, '03850', 'Xã Chiềng Hoa', 'commune', 120, FALSE),
(1024, '03856', 'Xã Bắc Yên', 'commune', 121, FALSE),
(1025, '03862', 'Xã Xím Vàng', 'commune', 121, FALSE),
(1026, '03868', 'Xã Tà Xùa', 'commune', 121, FALSE),
(1027, '03871', 'Xã Pắc Ngà', 'commune', 121, FALSE),
(1028, '03880', 'Xã Tạ Khoa', 'commune', 121, FALSE),
(1029, '03892', 'Xã Chiềng Sại', 'commune', 121, FALSE),
(1030, '03901', 'Xã Suối Tọ', 'commune', 122, FALSE),
(1031, '03907', 'Xã Mường Cơi', 'commune', 122, FALSE),
(1032, '03910', 'Xã Phù Yên', 'commune', 122, FALSE),
(1033, '03922', 'Xã Gia Phù', 'commune', 122, FALSE),
(1034, '03943', 'Xã Mường Bang', 'commune', 122, FALSE),
(1035, '03958', 'Xã Tường Hạ', 'commune', 122, FALSE),
(1036, '03961', 'Xã Kim Bon', 'commune', 122, FALSE),
(1037, '03970', 'Xã Tân Phong', 'commune', 122, FALSE),
(1038, '03979', 'Phường Mộc Sơn', 'ward', 123, FALSE),
(1039, '03980', 'Phường Mộc Châu', 'ward', 123, FALSE),
(1040, '03982', 'Phường Thảo Nguyên', 'ward', 123, FALSE),
(1041, '04033', 'Phường Vân Sơn', 'ward', 123, FALSE),
(1042, '03985', 'Xã Chiềng Sơn', 'commune', 123, TRUE),
(1043, '03997', 'Xã Tân Yên', 'commune', 123, FALSE),
(1044, '04000', 'Xã Đoàn Kết', 'commune', 123, FALSE),
(1045, '04045', 'Xã Lóng Sập', 'commune', 123, TRUE),
(1046, '04006', 'Xã Song Khủa', 'commune', 128, FALSE),
(1047, '04018', 'Xã Tô Múa', 'commune', 128, FALSE),
(1048, '04048', 'Xã Vân Hồ', 'commune', 128, FALSE),
(1049, '04057', 'Xã Xuân Nha', 'commune', 128, TRUE),
(1050, '04075', 'Xã Yên Châu', 'commune', 124, FALSE),
(1051, '04078', 'Xã Chiềng Hặc', 'commune', 124, FALSE),
(1052, '04087', 'Xã Yên Sơn', 'commune', 124, TRUE),
(1053, '04096', 'Xã Lóng Phiêng', 'commune', 124, TRUE),
(1054, '04099', 'Xã Phiêng Khoài', 'commune', 124, TRUE),
(1055, '04105', 'Xã Mai Sơn', 'commune', 125, FALSE),
(1056, '04108', 'Xã Chiềng Sung', 'commune', 125, FALSE),
(1057, '04117', 'Xã Mường Chanh', 'commune', 125, FALSE),
(1058, '04123', 'Xã Chiềng Mung', 'commune', 125, FALSE),
(1059, '04132', 'Xã Chiềng Mai', 'commune', 125, FALSE),
(1060, '04136', 'Xã Tà Hộc', 'commune', 125, FALSE),
(1061, '04144', 'Xã Phiêng Cằm', 'commune', 125, FALSE),
(1062, '04159', 'Xã Phiêng Pằn', 'commune', 125, TRUE),
(1063, '04168', 'Xã Sông Mã', 'commune', 126, FALSE),
(1064, '04171', 'Xã Bó Sinh', 'commune', 126, FALSE),
(1065, '04183', 'Xã Mường Lầm', 'commune', 126, FALSE),
(1066, '04186', 'Xã Nậm Ty', 'commune', 126, FALSE),
(1067, '04195', 'Xã Chiềng Sơ', 'commune', 126, FALSE),
(1068, '04204', 'Xã Chiềng Khoong', 'commune', 126, TRUE),
(1069, '04210', 'Xã Huổi Một', 'commune', 126, FALSE),
(1070, '04219', 'Xã Mường Hung', 'commune', 126, TRUE),
(1071, '04222', 'Xã Chiềng Khương', 'commune', 126, TRUE),
(1072, '04228', 'Xã Púng Bánh', 'commune', 127, FALSE),
(1073, '04231', 'Xã Sốp Cộp', 'commune', 127, TRUE),
(1074, '04240', 'Xã Mường Lèo', 'commune', 127, TRUE),
(1075, '04246', 'Xã Mường Lạn', 'commune', 127, TRUE)
ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, kind = excluded.kind,
    parent_id = excluded.parent_id, border_area = excluded.border_area, active = TRUE;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03679' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-116-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03646' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-116-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03664' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-116-3' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03703' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-118-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03703' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-118-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03721' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-119-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03781' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-119-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03808' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-120-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03808' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-120-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03856' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-121-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03862' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-121-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03910' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-122-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03910' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-122-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '03979' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-123-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04000' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-123-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04075' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-124-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04099' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-124-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04105' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-125-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04159' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-125-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04168' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-126-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04219' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-126-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04231' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-127-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04240' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-127-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04048' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-128-1' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04057' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-128-2' AND sample;
UPDATE schools SET region_id = (SELECT id FROM regions WHERE code = '04048' AND kind IN ('commune', 'ward'))
    WHERE code = 'SAMPLE-128-3' AND sample;
-- END generated
